"""A CSV file written as it is sent: one function for every table staff download (the queue's
requests here, a report's tables, the shell's ``flask export requests``).

- UTF-8, lines ended with CRLF (RFC 4180), optionally with a byte order mark first: Excel reads
  a file without one as the local code page and garbles every accented name.
- Dates as ISO 8601 days (2027-01-21); times as ISO 8601 in UTC with the offset written out
  (2027-01-21T18:30:00+00:00), so a spreadsheet sorts them and nobody guesses the zone.
- Every text cell goes through ``safe_cell``: a cell starting with = + - @ tab or CR gets a
  leading apostrophe, so a spreadsheet shows it as text instead of running it as a formula
  (attendees' own words are untrusted). Numbers are written as numbers.
- Rows are read from an iterator and sent in chunks, never held as a whole file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Response, stream_with_context

from ..arranging.plan import safe_cell

BOM = "\ufeff"
# Rows written per chunk sent: big enough to keep the overhead small, small enough that the
# first bytes leave at once and memory stays flat.
ROWS_PER_CHUNK = 200

# Called once the rows end, however they end: (rows written, whether every row was written).
OnFinish = Callable[[int, bool], None]


def cell(value) -> str | int | float | Decimal:
    """One value as its CSV cell: text made safe, dates and times in ISO 8601 (times in UTC),
    yes/no for booleans, labelled enums by their label, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an export: store and pass aware UTC times")
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    label = getattr(value, "label", None)
    text = label if isinstance(label, str) else str(value)
    return safe_cell(text)


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = False,
               on_finish: OnFinish | None = None,
               rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, in chunks of ``rows_per_chunk`` rows.

    ``on_finish(rows_written, complete)`` runs when the rows end, also when the reader stops
    early (a cancelled download closes this generator) or a row fails; ``rows`` is closed
    first when it can be (a database cursor is released before the log is written)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    written, complete = 0, False
    try:
        if bom:
            buffer.write(BOM)
        writer.writerow([cell(name) for name in header])
        yield _take(buffer)  # the download starts before the first row is read
        for row in rows:
            writer.writerow([cell(value) for value in row])
            written += 1
            if written % rows_per_chunk == 0:
                yield _take(buffer)
        complete = True
        yield _take(buffer)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        if on_finish is not None:
            on_finish(written, complete)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *,
                 bom: bool = False, on_finish: OnFinish | None = None) -> Response:
    """A streamed download of the table (see ``csv_chunks``), saved as ``filename``.

    The request's context stays open while the body is sent (``stream_with_context``), so the
    rows may come straight from a database query."""
    body = _encoded(csv_chunks(header, rows, bom=bom, on_finish=on_finish))
    return Response(stream_with_context(body), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    """The chunks as UTF-8; closing this closes them at once (not whenever the garbage
    collector gets to it), so their ``on_finish`` runs while the request's context is open."""
    try:
        for chunk in chunks:
            yield chunk.encode("utf-8")
    finally:
        chunks.close()
