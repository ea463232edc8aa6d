"""An event's access plan, its printable run sheet and the run sheet as a CSV file for front
of house. The plan is read in ``arranging.plan``; the pages live here because showing names and
needs is a sighting the access log keeps (``services.record_plan_view``), and triage owns the
log (arranging may not import triage)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..arranging import plan as plans
from ..events.models import Event
from ..extensions import db
from ..guards import current_staff, staff_required
from ..timeutil import utcnow
from . import services

bp = Blueprint("plan", __name__, url_prefix="/staff/events")
EVENT = "/<int(max=2147483647):event_id>"


def _plan(event_id: int) -> plans.EventPlan:
    event = db.get_or_404(Event, event_id, options=plans.event_options())
    return plans.event_plan(event, current_staff())


@bp.get(f"{EVENT}/plan")
@staff_required
def plan(event_id: int):
    found, staff_id = _plan(event_id), current_staff().id
    html = render_template("arranging/plan.html", plan=found, event=found.event, now=utcnow())
    # After rendering, so the log's commit does not expire what the template reads.
    services.record_plan_view(found.request_ids, staff_id, services.VIEW_PLAN)
    return html


@bp.get(f"{EVENT}/run-sheet")
@staff_required
def run_sheet(event_id: int):
    found, staff_id = _plan(event_id), current_staff().id
    people = found.run_sheet()
    html = render_template("arranging/run_sheet.html", plan=found, event=found.event,
                           people=people)
    services.record_plan_view([p.request.id for p in people], staff_id,
                              services.VIEW_RUN_SHEET)
    return html


@bp.get(f"{EVENT}/run-sheet.csv")
@staff_required
def run_sheet_csv(event_id: int):
    found, staff_id = _plan(event_id), current_staff().id
    body = plans.run_sheet_csv(found)
    services.record_plan_view([p.request.id for p in found.run_sheet()], staff_id,
                              services.VIEW_RUN_SHEET_CSV)
    # With a byte order mark, so spreadsheet programs read the names as UTF-8.
    return Response(body.encode("utf-8-sig"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="run-sheet-event-{event_id}.csv"'})
