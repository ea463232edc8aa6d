"""``flask --app accessreq mail fetch [--loop --interval 30]``: the IMAP side of email in."""

from __future__ import annotations

import click
from flask import current_app

from ..cli import _StopFlag
from ..extensions import db
from . import fetcher
from .fetcher import BATCH_SIZE, FetchError, FetchReport, ImapSettings


def register_fetch(mail_cli: click.Group) -> None:
    """Add the ``fetch`` command to the ``mail`` group it is given."""
    mail_cli.add_command(fetch_command)


def _echo_report(report: FetchReport) -> None:
    if report.stored or report.duplicates or report.left:
        click.echo(report.summary())


def _end_round() -> None:
    # A database outage leaves the session in a failed transaction: start the next round clean.
    db.session.rollback()
    db.session.remove()


@click.command("fetch")
@click.option("--loop", is_flag=True, help="Keep running, checking the mailbox every --interval.")
@click.option("--interval", default=30.0, show_default=True,
              help="Seconds between checks with --loop.")
@click.option("--batch", default=BATCH_SIZE, show_default=True,
              help="Messages fetched from the server at a time.")
def fetch_command(loop: bool, interval: float, batch: int):
    """Store the mail waiting in the access mailbox (IMAP_*), then move it to
    IMAP_PROCESSED_FOLDER, or flag it when that is not set."""
    try:
        settings = ImapSettings.from_config(current_app.config)
    except FetchError as error:
        raise click.ClickException(str(error)) from None
    store = fetcher.store_in_database  # looked up here, so a test can give its own
    if not loop:
        try:
            report = fetcher.fetch_once(settings, store, batch_size=batch)
        except FetchError as error:
            raise click.ClickException(str(error)) from None
        finally:
            _end_round()
        click.echo(report.summary())  # also when another fetcher holds the mailbox: exit 0
        if report.database_down:
            raise click.ClickException("The database is unavailable; the rest of the mail is "
                                       "left in the mailbox for the next run.")
        return
    flag = _StopFlag()
    flag.install()  # before saying it runs: a stop asked for at once still ends cleanly
    click.echo(f"Mail fetcher running every {interval:g}s on {settings.folder} at "
               f"{settings.host}; stop with Ctrl-C.")
    fetcher.run_loop(settings, store, interval=interval, should_stop=lambda: flag.stop,
                     sleep=flag.sleep, on_report=_echo_report, after_round=_end_round,
                     batch_size=batch)
    click.echo("Mail fetcher stopped.")
