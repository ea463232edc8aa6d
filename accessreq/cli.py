"""Command-line interface: ``flask --app accessreq <command>``.

Each command is a thin shell around a service; output says what happened in a sentence, and
failures exit non-zero with a message that says what to do.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

log = logging.getLogger(__name__)

staff_cli = AppGroup("staff", help="Manage staff accounts.")
outbox_cli = AppGroup("outbox", help="Deliver queued email.")
requests_cli = AppGroup("requests", help="Housekeeping of requests.")
digest_cli = AppGroup("digest", help="The staff's daily digest email.")


class _StopFlag:
    """Set by SIGTERM/SIGINT so a loop finishes the message in hand before it exits."""

    def __init__(self) -> None:
        self.stop = False

    def __call__(self, _signum, _frame) -> None:
        self.stop = True

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self)

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stop and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))


def run_sender(send: Callable, batch: int, *, loop: bool, interval: float, counted: str,
               name: str) -> None:
    """A sender command: one round of ``send(batch)``, or with ``loop`` a round every
    ``interval`` seconds until SIGTERM or Ctrl-C (the round in hand finishes first). Prints
    "<counted>: 2 sent, 1 to retry, 0 failed for good." for each round that claimed anything.
    A locked or restarting database costs a round, not the process."""

    def say(result) -> None:
        click.echo(f"{counted}: {result.sent} sent, {result.retrying} to retry, "
                   f"{result.dead} failed for good.")

    if not loop:
        say(send(batch))
        return
    flag = _StopFlag()
    flag.install()
    click.echo(f"{name} running every {interval:g}s; stop with Ctrl-C.")
    while not flag.stop:
        try:
            result = send(batch)
        except SQLAlchemyError:
            log.exception("%s round failed; retrying in %ss", name, interval)
            db.session.rollback()
        else:
            if result.claimed:
                say(result)
        db.session.remove()
        flag.sleep(interval)
    click.echo(f"{name} stopped.")


def _is_development() -> bool:
    """Debug mode (a development checkout's .env, ``make run``), tests, or the built-in key."""
    from .config import DEFAULT_SECRET_KEY

    return (current_app.debug or current_app.testing
            or current_app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY)


@click.command("demo")
@click.option("--force", is_flag=True,
              help="Load even when a production SECRET_KEY is set (the demo password is public).")
def demo_command(force: bool):
    """Load demo events, the catalogue, demo staff and teams, and (into a database without
    any) requests in every status and problem reports. Safe to run again."""
    from .demo import DEMO_PASSWORD, DEMO_STAFF, load_demo
    from .demo_work import load_demo_work

    if not force and not _is_development():
        raise click.ClickException(
            "A production SECRET_KEY is set: demo staff accounts have a published password, "
            "so the demo is not loaded. Use --force if this really is a test system.")
    added = load_demo()
    work = load_demo_work()
    click.echo(f"Demo data: {added['events']} events, {added['catalogue']} catalogue entries, "
               f"{added['staff']} staff accounts, {added['providers']} providers, "
               f"{work.requests} requests and {work.reports} problem reports added.")
    if added["staff"]:
        for email, _name, role in DEMO_STAFF:
            click.echo(f"  {role.value}: {email} / {DEMO_PASSWORD}")
    if work.waiting_link:
        click.echo(f"  An attendee's status page (a request waiting for their answer): "
                   f"{work.waiting_link}")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line.strip():
        raise click.ClickException("No password on standard input: pipe one line, e.g. "
                                   "`printf '%s\\n' \"$PASSWORD\" | flask staff create ...`.")
    return line.rstrip("\r\n")


@staff_cli.command("create")
@click.option("--email", required=True, help="The address the person signs in with.")
@click.option("--name", required=True, help="Their name, as colleagues see it.")
@click.option("--role", type=click.Choice(["admin", "coordinator"]), default="coordinator",
              show_default=True)
@click.option("--team", "team_names", multiple=True, metavar="NAME",
              help="A team the person works in, by name; repeat for more. A coordinator needs "
                   "one once any team exists.")
def staff_create(email: str, name: str, role: str, team_names: tuple[str, ...]):
    """Create a staff account; the password is read from a prompt, or stdin if not a terminal."""
    from .auth.models import Role
    from .auth.services import (StaffAccountError, check_new_account, checked_teams,
                                create_staff_with_password)
    from .routing.models import Team

    teams = {t.name.casefold(): t.id for t in db.session.scalars(select(Team))}
    unknown = [n for n in team_names if n.casefold() not in teams]
    if unknown:
        known = ", ".join(sorted(t.name for t in db.session.scalars(select(Team)))) or "none yet"
        raise click.ClickException(f"No team is called {unknown[0]!r} (teams: {known}).")
    team_ids = [teams[n.casefold()] for n in team_names]
    try:  # refuse a bad address, name or missing team before asking for the password
        email, name = check_new_account(name, email)
        checked_teams(Role(role), team_ids)
        user = create_staff_with_password(name, email, Role(role), _read_password(), team_ids)
    except StaffAccountError as error:
        raise click.ClickException(f"{str(error).rstrip('.')}.") from None
    in_teams = f" in {', '.join(t.name for t in user.teams)}" if user.teams else ""
    click.echo(f"Created {role} account for {user.email}{in_teams}.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for due mail.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
@click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
def outbox_send(loop: bool, interval: float, batch: int):
    """Send due messages, retrying failures with exponential backoff."""
    from .notifications.sender import send_due_emails

    run_sender(send_due_emails, batch, loop=loop, interval=interval, counted="Outbox",
               name="Outbox sender")


@requests_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say how much would be purged.")
@click.option("--batch", default=200, show_default=True, help="Requests purged per transaction.")
def requests_purge(dry_run: bool, batch: int):
    """Delete personal data past retention: requests' details, accessibility reports, and
    every copy their emails kept.

    Meant to run on a schedule (e.g. daily from cron or a systemd timer).
    """
    from .retention import due_for_purge, purge_everything
    from .timeutil import utcnow

    days = current_app.config["RETENTION_DAYS"]
    report_days = current_app.config["REPORT_RETENTION_DAYS"]
    now = utcnow()
    due = due_for_purge(now)
    if dry_run or not due.requests:
        click.echo(f"{due.requests} request(s) whose event ended over {days} days ago "
                   f"{'would be' if dry_run else 'to be'} purged.")
    if dry_run:
        click.echo(f"{due.resolved_reports} accessibility report(s) resolved over {days} days "
                   f"ago and {due.unresolved_reports} unresolved one(s) received over "
                   f"{report_days} days ago would be deleted.")
        click.echo(f"{due.inbound_messages} email(s) that came in would be deleted (on those "
                   f"requests, or on no request and received over {days} days ago).")
        click.echo(f"{due.provider_emails} email(s) to providers about events that ended over "
                   f"{days} days ago would lose their content.")
        click.echo(f"{due.api_answers} API answer(s) kept for retries over a day would be "
                   f"deleted, and {due.webhook_deliveries} webhook deliveries sent or failed "
                   f"over {days} days ago.")
        return
    if due.requests:
        click.echo(f"Purging {due.requests} request(s) in batches of {batch}…")
    done = purge_everything(now, batch_size=batch)
    if due.requests:
        click.echo(f"Purged {done.requests} request(s) whose event ended over {days} days ago.")
        click.echo("Their emails' content, recipients, subjects and errors were deleted too.")
    click.echo(f"Deleted {done.resolved_reports} accessibility report(s) resolved over {days} "
               f"days ago and {done.unresolved_reports} unresolved one(s) received over "
               f"{report_days} days ago, with their emails' copies.")
    click.echo(f"Deleted {done.inbound_messages} email(s) that came in (on purged requests, "
               f"or on no request and received over {days} days ago).")
    click.echo(f"Deleted the content of {done.provider_emails} email(s) to providers about "
               f"events that ended over {days} days ago.")
    click.echo(f"Deleted {done.api_answers} API answer(s) kept for retries over a day, and "
               f"{done.webhook_deliveries} webhook deliveries sent or failed over {days} "
               "days ago.")


@digest_cli.command("send")
@click.option("--now", "at_once", is_flag=True,
              help="Send today's digests now, even before DIGEST_HOUR.")
@click.option("--dry-run", is_flag=True, help="Only list who would get what; send nothing.")
def digest_send(at_once: bool, dry_run: bool):
    """Queue today's digest for every active staff member who asked for it, once a day.

    Nothing is sent before DIGEST_HOUR (in TIMEZONE), so a timer may fire hourly;
    whoever already has today's digest is skipped, also when two runs race.
    """
    from .triage.digest import DigestSettingError, local_now_words, send_digests, send_time_words
    from .timeutil import utcnow

    now = utcnow()
    show_bar = sys.stdout.isatty() and not dry_run

    def progress(people):
        with click.progressbar(people, label="Digests") as bar:
            yield from bar

    try:
        run = send_digests(now, at_once=at_once, dry_run=dry_run,
                           progress=progress if show_bar else None)
    except DigestSettingError as error:
        raise click.ClickException(str(error)) from None
    day = f"{run.day:%a} {run.day.day} {run.day:%b %Y}"
    if run.too_early:
        click.echo(f"Digest: not sent yet; digests go at {send_time_words()}, and it is "
                   f"{local_now_words(now)} there. Use --now to send them at once.")
        return
    if dry_run:
        for digest in run.would_send:
            click.echo(f"Would send to {digest.staff.name} <{digest.staff.email}> "
                       f"({digest.scope_words}): {digest.summary}.")
        click.echo(f"Digest for {day}: {len(run.would_send)} would be sent, "
                   f"{run.already_sent} already sent today.")
        return
    click.echo(f"Digest for {day}: {run.sent} queued, {run.already_sent} already sent today.")


@click.command("mailcatcher")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=1025, show_default=True)
def mailcatcher_command(host: str, port: int):
    """Run a local SMTP server that keeps messages for the admin mail view; mail to the access
    address is also stored as email in (as the mail server's pipe would)."""
    from flask import current_app

    from .inbound.services import store_message
    from .notifications.addresses import reply_base_address
    from .notifications.catcher import catcher_folder, start_catcher

    folder = catcher_folder()
    flag = _StopFlag()
    flag.install()  # before saying it is ready: a stop asked for at once still ends cleanly
    controller = start_catcher(folder, host, port, app=current_app._get_current_object(),
                               store=lambda raw: store_message(raw, source="catcher"))
    click.echo(f"Mail catcher on {host}:{port}, keeping messages in {folder}; mail to "
               f"{reply_base_address()} is stored as email in")
    try:
        while not flag.stop:
            flag.sleep(3600)
    finally:
        controller.stop()


def register(app: Flask) -> None:
    from .benchdata import bench_cli
    from .exports.cli import export_cli
    from .inbound.cli import mail_cli
    from .webhooks.cli import webhooks_cli

    for command in (demo_command, staff_cli, outbox_cli, requests_cli, digest_cli,
                    mailcatcher_command, bench_cli, mail_cli, export_cli, webhooks_cli):
        app.cli.add_command(command)
