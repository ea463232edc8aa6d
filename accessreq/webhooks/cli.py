"""``flask webhooks send [--loop]``: deliver due webhooks (accessreq/webhooks/sender.py)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .sender import send_due_deliveries

webhooks_cli = AppGroup("webhooks", help="Deliver webhooks to registered endpoints.")


@webhooks_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for due deliveries.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
@click.option("--batch", default=50, show_default=True, help="Deliveries claimed at a time.")
def webhooks_send(loop: bool, interval: float, batch: int):
    """Send due webhook deliveries, retrying failures with exponential backoff."""
    from ..cli import run_sender

    run_sender(send_due_deliveries, batch, loop=loop, interval=interval, counted="Webhooks",
               name="Webhook sender")
