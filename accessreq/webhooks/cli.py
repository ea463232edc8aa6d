"""``flask webhooks send [--loop]``: deliver due webhooks (accessreq/webhooks/sender.py)."""

from __future__ import annotations

import logging

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .sender import send_due_deliveries

log = logging.getLogger(__name__)

webhooks_cli = AppGroup("webhooks", help="Deliver webhooks to registered endpoints.")


def _say(result) -> None:
    click.echo(f"Webhooks: {result.sent} sent, {result.retrying} to retry, "
               f"{result.dead} failed for good.")


@webhooks_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for due deliveries.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
@click.option("--batch", default=50, show_default=True, help="Deliveries claimed at a time.")
def webhooks_send(loop: bool, interval: float, batch: int):
    """Send due webhook deliveries, retrying failures with exponential backoff."""
    from ..cli import _StopFlag

    if not loop:
        _say(send_due_deliveries(batch))
        return
    flag = _StopFlag()
    flag.install()
    click.echo(f"Webhook sender running every {interval:g}s; stop with Ctrl-C.")
    while not flag.stop:
        try:
            result = send_due_deliveries(batch)
        except SQLAlchemyError:
            log.exception("webhook send failed; retrying in %ss", interval)
            db.session.rollback()
        else:
            if result.claimed:
                _say(result)
        db.session.remove()
        flag.sleep(interval)
    click.echo("Webhook sender stopped.")
