"""The app the fetcher's process tests start: ``flask --app tests/inbound/fetch_app.py:create``.

It is the real app (its ``mail`` group holds ``fetch``); with ``TEST_FETCH_RECORD=<file>`` it
stores into that file instead of the database: one Message-ID a line, a little slowly, so a
signal lands mid-batch.
"""

from __future__ import annotations

import os
import re
import time

from accessreq import create_app
from accessreq.inbound import fetcher

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def _recording_store(path: str):
    def store(raw: bytes, position: fetcher.MailboxPosition):
        time.sleep(0.05)
        with open(path, "a", encoding="ascii") as record:
            record.write(f"{_MESSAGE_ID.search(raw).group(1).decode()} {position.uid}\n")

    return store


def create():
    app = create_app()
    record = os.environ.get("TEST_FETCH_RECORD")
    if record:
        fetcher.store_in_database = _recording_store(record)
    return app
