"""``flask export requests``: the same CSV file as the staff export page, from the shell, for
requests received in a period; logged in the export log as a command-line export."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack

import click
from flask.cli import AppGroup

export_cli = AppGroup("export", help="Export data as files.")


def _who() -> str:
    """The operating-system account running the command, for the export log."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "unknown account"


def _counted(rows: Iterator, bar) -> Iterator:
    """``rows``, moving the progress bar on by one for each (and closing them when closed)."""
    try:
        for row in rows:
            yield row
            bar.update(1)
    finally:
        rows.close()


@export_cli.command("requests")
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day (UTC) the requests were received, as YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Last day (UTC) the requests were received, included; default: up to now.")
@click.option("--format", "file_format", type=click.Choice(["csv"]), default="csv",
              show_default=True, help="The file's format.")
@click.option("--personal", is_flag=True,
              help="Include the contact's name, email, phone and the attendee's name.")
@click.option("--free-text", is_flag=True,
              help="Include what attendees wrote (accommodation details, anything else).")
@click.option("--bom", is_flag=True, help="Start with a byte-order mark, for Excel.")
@click.option("--output", "-o", default="-", show_default=True, metavar="FILE|-",
              help="Where to write the file; - is standard output.")
def export_requests(since, until, file_format: str, personal: bool, free_text: bool, bom: bool,
                    output: str):
    """Write every request received in a period as CSV (any team, any status, oldest first),
    with the columns of the staff export. A progress bar shows on a terminal."""
    from .columns import ColumnChoice
    from .csvfile import csv_chunks
    from .services import export_received

    since_day, until_day = since.date(), until.date() if until else None
    if until_day is not None and until_day < since_day:
        raise click.BadParameter("must be on or after --since", param_hint="--until")
    options = [f"--since {since_day.isoformat()}"]
    if until_day:
        options.append(f"--until {until_day.isoformat()}")
    options += [flag for flag, on in (("--personal", personal), ("--free-text", free_text),
                                      ("--bom", bom)) if on]
    options.append(f"--format {file_format}")
    with ExitStack() as stack:
        # Open the file first: a path that cannot be written is refused before any logging.
        if output == "-":
            out = sys.stdout.buffer
        else:
            try:
                out = stack.enter_context(open(output, "wb"))
            except OSError as error:
                raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from None
        started = export_received(since_day, until_day,
                                  ColumnChoice(personal=personal, free_text=free_text),
                                  run_by=_who(), query=" ".join(options))
        rows = started.rows
        # The bar goes to standard error, and only on a terminal, so it never mixes into a
        # file written to standard output, nor into a log.
        if sys.stderr.isatty():
            bar = stack.enter_context(click.progressbar(
                length=started.total, label="Exporting requests", file=sys.stderr))
            rows = _counted(rows, bar)
        written = []

        def finish(count: int, complete: bool) -> None:
            written.append(count)
            started.finish(count, complete)

        try:
            for chunk in csv_chunks(started.header, rows, bom=bom, on_finish=finish):
                out.write(chunk.encode("utf-8"))
            out.flush()
        except BrokenPipeError:
            # The reader went away (``… | head``): the export log already says "Stopped after
            # N rows"; standard output points at nothing now, so exiting cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.ClickException(
                f"The output was closed after {written[0]} request(s); the export log "
                "records it as stopped.") from None
    where = "standard output" if output == "-" else output
    count = written[0]
    # Said on standard error when the file itself goes to standard output.
    click.echo(f"Wrote {count} request{'' if count == 1 else 's'} to {where}.",
               err=output == "-")
