"""The retention purge: one entry point for every copy of personal data that outlives its use.

``flask requests purge`` calls it. Requests lose their personal and access details
RETENTION_DAYS after their event ends, with everything their emails kept (bodies, recipient,
subject, SMTP errors); accessibility reports are deleted RETENTION_DAYS after they were resolved,
or REPORT_RETENTION_DAYS after they came in if nobody resolved them, with their emails' copies;
emails that came in are deleted with their request, or RETENTION_DAYS after they arrived when
they are on no request; emails to providers lose their content RETENTION_DAYS after the
booking's event ended; API answers kept for retried calls (they hold private status links)
are deleted a day after the call; webhook deliveries sent or failed RETENTION_DAYS ago are
deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .extensions import db
from .timeutil import utcnow


@dataclass
class PurgeCounts:
    requests: int = 0
    resolved_reports: int = 0
    unresolved_reports: int = 0
    inbound_messages: int = 0  # stored emails (with their raw bytes) deleted
    provider_emails: int = 0  # emails to providers about events long over, content deleted
    api_answers: int = 0  # answers kept for Idempotency-Key retries, deleted
    webhook_deliveries: int = 0  # deliveries finished long ago, deleted


def due_for_purge(now: datetime | None = None) -> PurgeCounts:
    """What a purge at ``now`` would delete."""
    from .api.services import answers_due
    from .arranging.provider_mail import provider_emails_due
    from .events.models import Event
    from .feedback.services import reports_due
    from .inbound.services import inbound_due_for_purge
    from .requests.models import AccessRequest
    from .requests.services import expired_conditions
    from .webhooks.services import deliveries_due

    now = now or utcnow()
    requests = db.session.scalar(
        select(func.count(AccessRequest.id)).join(Event).where(*expired_conditions(now)))
    resolved, unresolved = reports_due(now)
    return PurgeCounts(requests, resolved, unresolved, inbound_due_for_purge(now),
                       provider_emails_due(now), answers_due(now), deliveries_due(now))


def purge_everything(now: datetime | None = None, batch_size: int = 200) -> PurgeCounts:
    """Run every part of the purge (each commits its own batches)."""
    from .api.services import purge_answers
    from .arranging.provider_mail import forget_provider_emails
    from .feedback.services import purge_resolved_reports, purge_unresolved_reports
    from .inbound.services import purge_inbound
    from .requests.services import purge_expired
    from .webhooks.services import purge_deliveries

    now = now or utcnow()
    requests = purge_expired(now, batch_size=batch_size)  # before the emails on those requests
    return PurgeCounts(requests=requests,
                       resolved_reports=purge_resolved_reports(now),
                       unresolved_reports=purge_unresolved_reports(now),
                       inbound_messages=purge_inbound(now),
                       provider_emails=forget_provider_emails(now),
                       api_answers=purge_answers(now),
                       webhook_deliveries=purge_deliveries(now))
