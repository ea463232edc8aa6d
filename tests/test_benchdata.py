"""The benchmark data loader makes consistent data: open work bounded, counts kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.requests import counts
from accessreq.requests.models import AccessRequest, HistoryEntry, RequestedAccommodation
from accessreq.requests.states import OPEN_STATUSES
from accessreq.timeutil import utcnow


def test_bench_load_adds_requests_with_items_history_and_counts(runner):
    result = runner.invoke(args=["bench", "load", "--requests", "120", "--open", "6",
                                 "--events", "12", "--batch", "50"])
    assert result.exit_code == 0, result.output
    assert "Done: 120 requests" in result.output
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 120
    assert db.session.scalar(select(func.count()).select_from(RequestedAccommodation)) == 120
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == 120
    open_requests = list(db.session.scalars(
        select(AccessRequest).where(AccessRequest.status.in_(OPEN_STATUSES))))
    assert len(open_requests) == 6
    assert all(r.event.starts_at > utcnow() for r in open_requests)
    grouped = dict(db.session.execute(
        select(AccessRequest.status, func.count()).group_by(AccessRequest.status)).all())
    assert counts.current() == grouped
    references = db.session.scalars(select(AccessRequest.reference)).all()
    assert len(set(references)) == 120


def test_bench_load_twice_adds_more(runner):
    for _ in range(2):
        assert runner.invoke(args=["bench", "load", "--requests", "30", "--open", "3",
                                   "--events", "5"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 60


def test_bench_load_older_than_adds_only_history(runner):
    result = runner.invoke(args=["bench", "load", "--requests", "40", "--events", "6",
                                 "--older-than", "400"])
    assert result.exit_code == 0, result.output
    newest = db.session.scalar(select(func.max(AccessRequest.created_at)))
    assert newest < utcnow() - timedelta(days=400)
    assert not db.session.scalar(select(func.count()).select_from(AccessRequest).where(
        AccessRequest.status.in_(OPEN_STATUSES)))
