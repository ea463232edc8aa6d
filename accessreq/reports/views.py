"""The reports page: what came in, for what, whether it was arranged in time, what happened
on the day and what it cost. Admins see every team; coordinators their own teams'."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from ..events.models import AccommodationType, Event
from ..exports.csvfile import csv_response
from ..exports.models import KIND_REPORT
from ..exports.services import finisher, start_export
from ..extensions import db
from ..forms import options
from ..guards import current_staff, staff_required
from ..routing.models import Organisation, Team
from . import queries
from .forms import ReportFilterForm
from .page import TABLES, report_page
from .periods import CUSTOM, local_today, resolve

bp = Blueprint("reports", __name__, url_prefix="/staff/reports/overview")

# The event filter lists the latest events first, this many at most.
EVENT_CHOICES = 300


@bp.get("")
@staff_required
def overview():
    form = ReportFilterForm(request.args)
    _fill_choices(form)
    if not form.validate():
        return render_template("reports/overview.html", form=form, page=None), 422
    report = queries.build(current_staff(), _filters(form))
    args = {k: v for k, v in request.args.items() if k in form._fields}
    return render_template("reports/overview.html", form=form, page=report_page(report),
                           args=args)


@bp.get("/<any({}):table>.csv".format(", ".join(f"'{t}'" for t in TABLES)))
@staff_required
def table_csv(table: str):
    """One of the report's tables as a CSV file (``bom=1``: with a byte order mark, for
    Excel). Counts only, nothing personal; the download is in the export log all the same."""
    form = ReportFilterForm(request.args)
    _fill_choices(form)
    if not form.validate():
        return render_template("reports/overview.html", form=form, page=None), 422
    filters = _filters(form)
    chosen = TABLES[table]
    rows = chosen.rows(queries.build(current_staff(), filters))  # only what this table needs
    period = filters.period
    log_id = start_export(KIND_REPORT, staff=current_staff(),
                          description=f"Report table “{chosen.title}”, {period.words}",
                          query=request.query_string.decode("utf-8", "replace"))
    return csv_response(f"accessreq-report-{table}-{period.first}-to-{period.last}.csv",
                        chosen.csv_header(current_app.config["CURRENCY"]), rows, bom=request.args.get("bom") == "1",
                        on_finish=finisher(log_id))


def _filters(form: ReportFilterForm) -> queries.ReportFilters:
    today = local_today()
    if form.period.data == CUSTOM:
        period = resolve(CUSTOM, today, form.first.data, form.last.data)
    else:
        period = resolve(form.period.data, today)
    return queries.ReportFilters(
        period=period, team_id=form.chosen_id("team"),
        organisation_id=form.chosen_id("organisation"), event_id=form.chosen_id("event"),
        type_id=form.chosen_id("type"))


def _fill_choices(form: ReportFilterForm) -> None:
    me = current_staff()
    teams = list(db.session.scalars(select(Team).order_by(Team.name))) if me.is_admin \
        else sorted(me.teams, key=lambda t: t.name)
    form.team.choices = options(
        [("", "All teams" if me.is_admin else "All my teams")]
        + [(str(t.id), t.name) for t in teams])
    form.organisation.choices = options(
        [("", "Any")] + [(str(o.id), o.name) for o in
                         db.session.scalars(select(Organisation).order_by(Organisation.name))])
    events = db.session.execute(select(Event.id, Event.title, Event.starts_at)
                                .order_by(Event.starts_at.desc()).limit(EVENT_CHOICES)).all()
    form.event.choices = options(
        [("", "Any")] + [(str(i), f"{title} ({starts:%d %b %Y})") for i, title, starts in events])
    form.type.choices = options(
        [("", "Any")] + [(str(i), name) for i, name in db.session.execute(
            select(AccommodationType.id, AccommodationType.name)
            .order_by(AccommodationType.position, AccommodationType.name))])
