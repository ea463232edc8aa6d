"""Receiving and resolving accessibility reports; each change is one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from ..auth.models import StaffUser
from ..extensions import db
from ..notifications.services import external_url, queue_email
from ..timeutil import utcnow
from .models import AccessibilityReport


def submit_report(description: str, where: str = "", name: str = "",
                  email: str = "") -> AccessibilityReport:
    """Keep the report and tell the team (a link only: the text stays in the service)."""
    report = AccessibilityReport(description=description, where=where, name=name, email=email)
    db.session.add(report)
    db.session.flush()
    staff_url = external_url("feedback_staff.report_detail", report_id=report.id)
    queue_email("staff_accessibility_report", current_app.config["STAFF_INBOX"], report=report,
                staff_url=staff_url)
    if email:
        queue_email("accessibility_report_received", email, report=report,
                    statement_url=external_url("pages.accessibility"))
    db.session.commit()
    return report


class AlreadyResolved(Exception):
    pass


def resolve_report(report: AccessibilityReport, actor: StaffUser, resolution: str) -> None:
    if not report.is_open:
        raise AlreadyResolved("This report was already marked as resolved.")
    report.resolved_at = utcnow()
    report.resolved_by = actor
    report.resolution = resolution
    db.session.commit()


def purge_resolved_reports(now: datetime | None = None) -> int:
    """Delete reports resolved more than RETENTION_DAYS ago (they may mention health)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["RETENTION_DAYS"])
    deleted = db.session.execute(
        delete(AccessibilityReport).where(AccessibilityReport.resolved_at < cutoff)).rowcount
    db.session.commit()
    return deleted
