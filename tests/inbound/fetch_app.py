"""The app the fetcher's process tests start: ``flask --app tests/inbound/fetch_app.py:create``.

It is the real app; until the ``mail`` group is wired into ``create_app`` it adds one holding
``fetch`` (as the lead's wiring will), and with ``TEST_FETCH_RECORD=<file>`` it stores into that
file instead of the database: one Message-ID a line, a little slowly, so a signal lands
mid-batch.
"""

from __future__ import annotations

import os
import re
import time

from flask.cli import AppGroup

from accessreq import create_app
from accessreq.inbound import fetcher
from accessreq.inbound.imap_cli import register_fetch

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def _recording_store(path: str):
    def store(raw: bytes, position: fetcher.MailboxPosition):
        time.sleep(0.05)
        with open(path, "a", encoding="ascii") as record:
            record.write(f"{_MESSAGE_ID.search(raw).group(1).decode()} {position.uid}\n")

    return store


def create():
    app = create_app()
    if "mail" not in app.cli.commands:
        mail = AppGroup("mail", help="Email in.")
        register_fetch(mail)
        app.cli.add_command(mail)
    record = os.environ.get("TEST_FETCH_RECORD")
    if record:
        fetcher.store_in_database = _recording_store(record)
    return app
