"""``flask export requests``: the staff export's columns from the shell, for requests received
in a period, written to a file or standard output, and logged as a command-line export."""

from __future__ import annotations

import csv
import io
import os
import pty
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from accessreq.exports.models import ExportLog
from accessreq.extensions import db
from accessreq.timeutil import utcnow

FORMULA = '=HYPERLINK("http://x")'


def _rows(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_the_command_writes_the_requests_received_in_the_period(runner, make_request, tmp_path):
    old, _ = make_request(contact_name="Old Request")
    new, _ = make_request(contact_name=FORMULA)
    old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    target = tmp_path / "requests.csv"
    result = runner.invoke(args=["export", "requests", "--since", since, "--personal",
                                 "--bom", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 1 request to {target}.\n"  # no progress bar off a terminal
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfReference,") and b"\r\n" in raw
    (row,) = _rows(raw.decode("utf-8"))
    assert row["Reference"] == new.reference
    assert row["Contact name"] == "'" + FORMULA
    (entry,) = db.session.scalars(select(ExportLog))
    assert (entry.kind, entry.staff_id, entry.row_count, entry.personal, entry.complete) == (
        "cli", None, 1, True, True)
    assert entry.run_by and f"--since {since}" in entry.query
    assert entry.description.startswith(f"Requests received from {since}")


def test_standard_output_carries_only_the_file(runner, make_request):
    request, _ = make_request(contact_email="sam@example.net")
    today = utcnow().date().isoformat()
    result = runner.invoke(args=["export", "requests", "--since", today, "--until", today])
    assert result.exit_code == 0, result.output
    (row,) = _rows(result.stdout)
    assert row["Reference"] == request.reference
    assert "Contact email" not in row and "sam@example.net" not in result.stdout
    assert "Wrote 1 request to standard output." in result.stderr


def test_an_empty_period_and_a_bad_range(runner, make_request):
    make_request()
    result = runner.invoke(args=["export", "requests", "--since", "2001-01-01",
                                 "--until", "2001-01-31"])
    assert result.exit_code == 0 and result.stdout.startswith("Reference,")
    assert _rows(result.stdout) == []
    result = runner.invoke(args=["export", "requests", "--since", "2001-02-01",
                                 "--until", "2001-01-31"])
    assert result.exit_code == 2 and "must be on or after --since" in result.output
    result = runner.invoke(args=["export", "requests", "--since", "yesterday"])
    assert result.exit_code == 2


@pytest.mark.slow  # starts a process
def test_a_terminal_gets_a_progress_bar_on_standard_error_only(app, make_request, tmp_path):
    """stderr on a pseudo-terminal, the file on standard output: the bar shows on the terminal
    and the file holds nothing but CSV."""
    request, _ = make_request()
    leader, follower = pty.openpty()
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "SECRET_KEY": app.config["SECRET_KEY"], "BASE_URL": app.config["BASE_URL"],
                   "COLUMNS": "80"}
    target = tmp_path / "out.csv"
    with target.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "accessreq", "export", "requests",
             "--since", utcnow().date().isoformat()],
            env=environment, stdout=out, stderr=follower, timeout=60, check=False)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert done.returncode == 0, seen
    assert b"Exporting requests" in seen and b"Wrote 1 request to standard output." in seen
    (row,) = _rows(target.read_text(encoding="utf-8"))
    assert row["Reference"] == request.reference
