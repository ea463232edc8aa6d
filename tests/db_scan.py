"""Look for strings anywhere in the database: every column of every row of every table.

Values are read raw (what a database reader sees); sealed outbox content (Fernet tokens) is
also opened with the app's keys and searched, so encryption cannot hide a leftover copy.
"""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.sealing import ContentUnreadable, unseal


def _texts(value, open_sealed: bool) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        found = [raw.decode("latin-1")]
        if open_sealed and raw.startswith(b"gAAAAA"):  # a Fernet token: search what it seals too
            try:
                found.append(unseal(raw).decode("utf-8", "replace"))
            except ContentUnreadable:
                pass
        return found
    if isinstance(value, (dict, list)):
        found = [json.dumps(value, ensure_ascii=False)]
        if open_sealed:  # staff's words sealed in a recipe (notifications.sealing.seal_words)
            found += [_opened(text) for text in _strings(value) if text.startswith(_WORDS)]
        return found
    return [str(value)]


# How ``seal_words`` text starts: base64 of a Fernet token, which itself starts "gAAAAA".
_WORDS = base64.b64encode(b"gAAAAA").decode()[:8]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _opened(text: str) -> str:
    try:
        return unseal(base64.b64decode(text)).decode("utf-8", "replace")
    except (ContentUnreadable, ValueError):
        return ""


def find_in_database(*needles: str, open_sealed: bool = True) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every place a needle occurs, case-insensitively.

    ``open_sealed=False``: only what a reader of the database without the key would see.
    """
    wanted = [n.lower() for n in needles if n]
    hits = []
    db.session.expire_all()
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        for row in connection.execute(select(table)).mappings():
            for column, value in row.items():
                for text in _texts(value, open_sealed):
                    hits.extend((table.name, column, n) for n in wanted if n in text.lower())
    return hits
