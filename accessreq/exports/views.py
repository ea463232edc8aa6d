"""The export page (``/staff/export``: the queue's current filter as a CSV file) and the admin
export log (``/admin/exports``).

GET shows what will be exported, in words, with the optional columns to tick; POST (with its
CSRF token) streams the file. The filter travels in the form as the queue's own query string.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..guards import admin_required, current_staff, staff_required
from ..pagination import redirect_if_out_of_range, requested_page
from ..timeutil import utcnow
from ..triage.queries import QueueFilters
from ..triage.saved_queue import filters_of, query_of
from . import queries, services
from .columns import BASE_COLUMNS, ColumnChoice
from .csvfile import csv_response
from .forms import QueueExportForm

bp = Blueprint("exports", __name__, url_prefix="/staff")
admin_bp = Blueprint("exports_admin", __name__, url_prefix="/admin")


@bp.route("/export", methods=["GET", "POST"])
@staff_required
def queue_export():
    form = QueueExportForm()
    if request.method == "POST":
        filters = filters_of(form.query.data)
    else:
        filters = QueueFilters.from_args(request.args)
        form.query.data = query_of(filters)
    now, me = utcnow(), current_staff()
    if form.validate_on_submit():
        choice = ColumnChoice(personal=form.personal.data, free_text=form.free_text.data)
        started = services.export_queue(filters, me, now, choice, query_of(filters))
        return csv_response(started.filename, started.header, started.rows,
                            bom=form.bom.data, on_finish=started.finish)
    return render_template(
        "exports/queue_export.html", form=form, queue_args=filters.query_args(page=1),
        description=services.describe_queue(filters, me),
        count=services.queue_count(filters, me, now),
        always=[column.header for column in BASE_COLUMNS],
    ), 422 if form.errors else 200


@admin_bp.get("/exports")
@admin_required
def export_log():
    page = queries.log_page(requested_page(request.args.get("page")))
    moved = redirect_if_out_of_range(page.page, page.pages)
    if moved:
        return moved
    return render_template("admin/export_log.html", page=page)
