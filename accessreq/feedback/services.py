"""Receiving and resolving accessibility reports; each change is one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..auth.models import StaffUser
from ..extensions import db
from ..i18n.languages import DEFAULT as DEFAULT_LANGUAGE
from ..notifications.models import OutgoingEmail
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.services import external_url, forget_emails, queue_email
from ..timeutil import utcnow
from .models import AccessibilityReport


def submit_report(description: str, where: str = "", name: str = "",
                  email: str = "", language: str = DEFAULT_LANGUAGE) -> AccessibilityReport:
    """Keep the report and tell the team (a link only: the text stays in the service). The
    reporter's acknowledgement is written in ``language``, the one their page was in."""
    report = AccessibilityReport(description=description, where=where, name=name, email=email)
    db.session.add(report)
    db.session.flush()
    _staff_notice(report)
    if email:
        _acknowledgement(report, language)
    db.session.commit()
    return report


def _staff_notice(report: AccessibilityReport) -> OutgoingEmail:
    staff_url = external_url("feedback_staff.report_detail", report_id=report.id)
    return queue_email("staff_accessibility_report", current_app.config["STAFF_INBOX"],
                       report=report, staff_url=staff_url, report_id=report.id,
                       recipe={"report_id": report.id})


def _acknowledgement(report: AccessibilityReport, language: str) -> OutgoingEmail:
    return queue_email("accessibility_report_received", report.email, report=report,
                       statement_url=external_url("pages.accessibility"), report_id=report.id,
                       recipe={"report_id": report.id, "language": language},
                       language=language)


def _report_from(recipe: dict) -> AccessibilityReport:
    report = db.session.get(AccessibilityReport, recipe.get("report_id"))
    if report is None:
        raise CannotRebuild("The accessibility report this message was about was deleted "
                            "by the retention purge, so it cannot be built again.")
    return report


@rebuilds("staff_accessibility_report")
def _rebuild_staff_notice(recipe: dict, actor) -> OutgoingEmail:
    return _staff_notice(_report_from(recipe))


@rebuilds("accessibility_report_received")
def _rebuild_acknowledgement(recipe: dict, actor) -> OutgoingEmail:
    report = _report_from(recipe)
    if not report.email:
        raise CannotRebuild("This report no longer has an email address to reply to.")
    return _acknowledgement(report, recipe.get("language", DEFAULT_LANGUAGE))


class AlreadyResolved(Exception):
    pass


def resolve_report(report: AccessibilityReport, actor: StaffUser, resolution: str) -> None:
    if not report.is_open:
        raise AlreadyResolved("This report was already marked as resolved.")
    report.resolved_at = utcnow()
    report.resolved_by = actor
    report.resolution = resolution
    db.session.commit()


def _delete_reports(*conditions) -> int:
    """Delete the reports matching ``conditions`` and what their emails say about the
    reporter (the acknowledgement went to their address, with their name)."""
    ids = list(db.session.scalars(select(AccessibilityReport.id).where(*conditions)))
    if not ids:
        return 0
    forget_emails(OutgoingEmail.report_id.in_(ids))
    db.session.execute(update(OutgoingEmail).where(OutgoingEmail.report_id.in_(ids))
                       .values(report_id=None).execution_options(synchronize_session=False))
    deleted = db.session.execute(
        delete(AccessibilityReport).where(AccessibilityReport.id.in_(ids))).rowcount
    db.session.commit()
    return deleted


def resolved_reports_due(now: datetime):
    """Conditions of the resolved reports a purge at ``now`` deletes: resolved more than
    RETENTION_DAYS ago (they may mention health)."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    return (AccessibilityReport.resolved_at < cutoff,)


def unresolved_reports_due(now: datetime):
    """Conditions of the reports never resolved that a purge at ``now`` deletes: received
    over REPORT_RETENTION_DAYS ago."""
    cutoff = now - timedelta(days=current_app.config["REPORT_RETENTION_DAYS"])
    return (AccessibilityReport.resolved_at.is_(None), AccessibilityReport.created_at < cutoff)


def purge_resolved_reports(now: datetime | None = None) -> int:
    """Delete reports resolved more than RETENTION_DAYS ago."""
    return _delete_reports(*resolved_reports_due(now or utcnow()))


def purge_unresolved_reports(now: datetime | None = None) -> int:
    """Delete reports never resolved that came in over REPORT_RETENTION_DAYS ago."""
    return _delete_reports(*unresolved_reports_due(now or utcnow()))


def reports_due(now: datetime | None = None) -> tuple[int, int]:
    """How many (resolved, unresolved) reports the purge would delete now."""
    now = now or utcnow()
    count = select(func.count(AccessibilityReport.id))
    return (db.session.scalar(count.where(*resolved_reports_due(now))),
            db.session.scalar(count.where(*unresolved_reports_due(now))))
