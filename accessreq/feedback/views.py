"""Public: report a problem. Staff: the list of reports and resolving one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from sqlalchemy import select

from ..guards import current_staff, staff_required
from ..extensions import db
from ..i18n.selection import current_language
from ..ratelimits import public_post_limit
from .forms import ReportForm, ResolveForm
from .models import AccessibilityReport
from .services import AlreadyResolved, resolve_report, submit_report

bp = Blueprint("feedback", __name__, url_prefix="/accessibility")
staff_bp = Blueprint("feedback_staff", __name__, url_prefix="/staff/reports")

SESSION_KEY = "last_report"


@bp.route("/report", methods=["GET", "POST"])
@public_post_limit
def report():
    form = ReportForm()
    if form.validate_on_submit():
        sent = submit_report(form.description.data, form.where.data or "",
                             form.name.data or "", form.email.data or "",
                             language=current_language().code)
        session[SESSION_KEY] = {"id": sent.id, "reply": bool(sent.email)}
        return redirect(url_for("feedback.sent"), 303)
    return render_template("feedback/report.html", form=form)


@bp.get("/report/sent")
def sent():
    last = session.get(SESSION_KEY)
    if not isinstance(last, dict):
        return redirect(url_for("feedback.report"))
    return render_template("feedback/sent.html", reply=last.get("reply", False))


@staff_bp.get("/")
@staff_required
def reports():
    rows = list(db.session.scalars(
        select(AccessibilityReport)
        .order_by(AccessibilityReport.resolved_at.is_not(None), AccessibilityReport.created_at.desc())
        .limit(200)))
    return render_template("feedback/staff_list.html", reports=rows)


def _report_or_404(report_id: int) -> AccessibilityReport:
    found = db.session.get(AccessibilityReport, report_id)
    if found is None:
        abort(404)
    return found


@staff_bp.get("/<int(max=2147483647):report_id>")
@staff_required
def report_detail(report_id: int):
    found = _report_or_404(report_id)
    response = render_template("feedback/staff_detail.html", report=found, form=ResolveForm())
    return response, 200, {"Cache-Control": "no-store"}


@staff_bp.post("/<int(max=2147483647):report_id>/resolve")
@staff_required
def resolve(report_id: int):
    found = _report_or_404(report_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return render_template("feedback/staff_detail.html", report=found, form=form), 422
    try:
        resolve_report(found, current_staff(), form.resolution.data)
    except AlreadyResolved as error:
        flash(str(error), "info")
    else:
        flash("The report is marked as resolved.", "success")
    return redirect(url_for("feedback_staff.report_detail", report_id=report_id), 303)
