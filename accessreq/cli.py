"""Command-line interface: ``flask --app accessreq <command>``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db

staff_cli = AppGroup("staff", help="Manage staff accounts.")
outbox_cli = AppGroup("outbox", help="Deliver queued email.")
requests_cli = AppGroup("requests", help="Housekeeping of requests.")


@click.command("demo")
def demo_command():
    """Load demo events, the catalogue and demo staff (safe to run again)."""
    from .demo import DEMO_PASSWORD, DEMO_STAFF, load_demo

    added = load_demo()
    click.echo(f"Demo data: {added['events']} events, {added['catalogue']} catalogue entries, "
               f"{added['staff']} staff accounts added.")
    if added["staff"]:
        for email, _name, role in DEMO_STAFF:
            click.echo(f"  {role.value}: {email} / {DEMO_PASSWORD}")


@staff_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["admin", "coordinator"]), default="coordinator",
              show_default=True)
def staff_create(email: str, name: str, role: str):
    """Create a staff account; the password is read from a prompt, or stdin if not a terminal."""
    from .auth.models import Role, StaffUser
    from .auth.services import PasswordPolicyError, check_password_policy

    email = email.strip().lower()
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise click.ClickException(f"An account for {email} already exists.")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password_policy(password)
    except PasswordPolicyError as error:
        raise click.ClickException(str(error)) from None
    user = StaffUser(email=email, name=name.strip(), role=Role(role))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} account for {email}.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for due mail.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
@click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
def outbox_send(loop: bool, interval: float, batch: int):
    """Send due messages, retrying failures with exponential backoff."""
    from .notifications.sender import send_due_emails

    while True:
        result = send_due_emails(batch)
        if result.claimed or not loop:
            click.echo(f"Outbox: {result.sent} sent, {result.retrying} to retry, "
                       f"{result.dead} failed for good.")
        if not loop:
            return
        db.session.remove()
        time.sleep(interval)


@requests_cli.command("purge")
def requests_purge():
    """Delete personal and access details of requests past the retention period."""
    from .requests.services import purge_expired

    count = purge_expired()
    days = current_app.config["RETENTION_DAYS"]
    click.echo(f"Purged {count} request(s) whose event ended over {days} days ago.")


@click.command("mailcatcher")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=1025, show_default=True)
def mailcatcher_command(host: str, port: int):
    """Run a local SMTP server that keeps messages for the admin mail view."""
    from .notifications.catcher import start_catcher

    folder = Path(current_app.config["MAIL_CATCHER_DIR"] or Path(current_app.instance_path) / "mail")
    controller = start_catcher(folder, host, port)
    click.echo(f"Mail catcher on {host}:{port}, keeping messages in {folder}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def register(app: Flask) -> None:
    for command in (demo_command, staff_cli, outbox_cli, requests_cli, mailcatcher_command):
        app.cli.add_command(command)
