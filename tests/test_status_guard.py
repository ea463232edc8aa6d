"""A request's status changes in one place only: ``requests.services.transition_to``.

It checks the move against the state table, records history and keeps the counts; the model
refuses any other assignment, and a scan of the package finds no other place that sets one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.requests import counts
from accessreq.requests.models import (AccessRequest, HistoryEntry, HistoryKind,
                                       StatusSetOutsideTransition)
from accessreq.requests.services import RequestActionError, transition_to
from accessreq.requests.states import RequestStatus as S

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "accessreq"

# (module, function) -> why it may set a request's status.
ALLOWED = {
    ("requests/services.py", "transition_to"): "the one guarded path",
    ("requests/services.py", "submit_request"): "a new request starts as submitted",
}


def _status_changes_in(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, enclosing function, what) for every place that sets a request's status."""
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        targets: list[ast.expr] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], node.value
        for target in targets:
            # Outbox rows have a status too; only theirs is assigned with EmailStatus. Bookings
            # (accessreq/arranging) have their own, always held in a name `booking`.
            if (isinstance(target, ast.Attribute) and target.attr == "status"
                    and not ast.unparse(value).startswith("EmailStatus.")
                    and ast.unparse(target.value) != "booking"):
                found.append((node.lineno, function, ast.unparse(node)))
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            # A name computed at run time (triage/services._save_change) is left to the model's
            # guard, which refuses it there.
            if (name == "setattr" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"):
                found.append((node.lineno, function, ast.unparse(node)))
            keywords = {k.arg for k in node.keywords}
            if name == "AccessRequest" and "status" in keywords:
                found.append((node.lineno, function, "AccessRequest(status=...)"))
            if (name.endswith(".values") and "status" in keywords
                    and "update(AccessRequest)" in name):
                found.append((node.lineno, function, "update(AccessRequest).values(status=...)"))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


def test_no_code_sets_a_request_status_outside_transition_to():
    elsewhere, allowed_seen = [], set()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        module = path.relative_to(PACKAGE_DIR).as_posix()
        for line, function, what in _status_changes_in(ast.parse(path.read_text())):
            if (module, function) in ALLOWED:
                allowed_seen.add((module, function))
            else:
                elsewhere.append(f"accessreq/{module}:{line} in {function or 'module'}: {what}")
    assert not elsewhere, "status set outside requests.services.transition_to:\n" + "\n".join(
        elsewhere)
    assert allowed_seen == set(ALLOWED), "the scan no longer sees the one path (stale ALLOWED?)"


def test_the_scan_finds_a_direct_assignment():
    """The scan above would catch the ways a status could be set behind transition_to's back."""
    source = '''
def sneaky(request, other):
    request.status = RequestStatus.ARRANGED
    setattr(other, "status", RequestStatus.CLOSED)
    AccessRequest(status=RequestStatus.CLOSED)
    db.session.execute(update(AccessRequest).where(AccessRequest.id == 1).values(status="closed"))
    row.status = EmailStatus.SENT
'''
    assert [(line, what.split("(")[0].split(" ")[0]) for line, _f, what in
            _status_changes_in(ast.parse(source))] == [
        (3, "request.status"), (4, "setattr"), (5, "AccessRequest"), (6, "update")]


def test_assigning_a_status_directly_is_refused(make_request):
    request, _url = make_request()
    with pytest.raises(StatusSetOutsideTransition):
        request.status = S.ARRANGED
    with pytest.raises(StatusSetOutsideTransition):
        setattr(request, "status", S.CLOSED)
    db.session.rollback()
    assert db.session.get(AccessRequest, request.id).status == S.SUBMITTED


def test_a_new_request_may_only_start_as_submitted(app):
    assert AccessRequest(status=S.SUBMITTED).status == S.SUBMITTED
    with pytest.raises(StatusSetOutsideTransition):
        AccessRequest(status=S.ARRANGED)


def test_transition_to_checks_records_and_counts(make_request):
    request, _url = make_request()
    entry = transition_to(request, S.NEEDS_INFO, message="  Which sign language?  ")
    db.session.commit()
    assert request.status == S.NEEDS_INFO
    assert (entry.kind, entry.from_status, entry.to_status, entry.body) == (
        HistoryKind.STATUS_CHANGED, S.SUBMITTED, S.NEEDS_INFO, "Which sign language?")
    assert entry in request.history
    assert counts.current() == {S.NEEDS_INFO: 1}

    before = db.session.scalar(select(func.count()).select_from(HistoryEntry))
    with pytest.raises(RequestActionError, match="cannot be moved to “Submitted”"):
        transition_to(request, S.SUBMITTED)
    with pytest.raises(RequestActionError, match="Write a message to the attendee"):
        transition_to(request, S.UNABLE, message="   ")
    db.session.rollback()
    assert db.session.get(AccessRequest, request.id).status == S.NEEDS_INFO
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == before
    assert counts.current() == {S.NEEDS_INFO: 1}
