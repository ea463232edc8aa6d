"""Admin pages that live in triage: the access log (who saw which request's details, and
when) and cancelling an event (it cancels the event's requests, so it needs requests and
arranging, which the events package may not import)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..events.models import Event
from ..extensions import db
from ..forms import options
from ..guards import admin_required, current_staff
from ..pagination import redirect_if_out_of_range
from ..requests.services import RequestActionError
from . import access_log, event_cancelling
from .forms import AccessLogFilterForm, CancelEventForm

admin_bp = Blueprint("access_log_admin", __name__, url_prefix="/admin")
cancel_bp = Blueprint("event_cancelling", __name__, url_prefix="/admin")



@admin_bp.get("/access-log")
@admin_required
def access_log_list():
    filters = access_log.LogFilters.from_args(request.args)
    page = access_log.log_page(filters)
    moved = redirect_if_out_of_range(page.page, page.pages)
    if moved:
        return moved
    form = AccessLogFilterForm(data={"staff": str(filters.staff_id or ""),
                                     "reference": filters.reference})
    form.staff.choices = options([("", "Everyone")] + [
        (str(s.id), s.name if s.active else f"{s.name} (deactivated)")
        for s in access_log.all_staff()])
    return render_template("admin/access_log.html", page=page, filters=filters, form=form)


@cancel_bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@admin_required
def cancel_event(event_id: int):
    """Ask before cancelling: what it does, and the reason attendees will read."""
    event = db.get_or_404(Event, event_id)
    form = CancelEventForm()
    problem = None
    try:
        event_cancelling.check_can_cancel(event)
    except RequestActionError as error:
        problem = str(error)
        if request.method == "POST":  # a second press, or a stale page: nothing changes
            flash(problem, "error")
            return redirect(url_for("events_admin.events"))
    if problem is None and form.validate_on_submit():
        try:
            done = event_cancelling.cancel_event(event, current_staff(), form.reason.data)
        except RequestActionError as error:
            form.reason.errors.append(str(error))
        else:
            flash(f"{event.title} is cancelled. {done.requests} request"
                  f"{'' if done.requests == 1 else 's'} cancelled and their attendees told; "
                  f"{done.bookings} booking{'' if done.bookings == 1 else 's'} flagged for a "
                  f"decision.", "success")
            return redirect(url_for("events_admin.events"))
    return render_template("admin/event_cancel.html", event=event, form=form, problem=problem,
                           effect=event_cancelling.what_cancelling_does(event),
                           ), 422 if form.errors else 200
