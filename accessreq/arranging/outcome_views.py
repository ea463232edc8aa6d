"""Staff page for recording, after the event, what happened to each of a request's
accommodations. Scoped as requests are."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..guards import current_staff, staff_required
from ..requests.models import AccessRequest
from ..requests.outcomes import ItemOutcome, OutcomeReason
from ..requests.services import RequestActionError, StaleRequestError
from . import outcomes, queries
from ..notifications.models import WordingKey
from .forms import FollowUpForm, outcomes_form

bp = Blueprint("outcomes", __name__, url_prefix="/staff")
ID = "int(max=2147483647)"


def _attempt(access_request: AccessRequest, form, change):
    """Run ``change(version the form was built from)``: (its result, None), or (None, why it
    was refused) with the session rolled back and, for a stale form, its version renewed."""
    try:
        return change(int(form.version.data or 0) or None), None
    except StaleRequestError as error:
        db.session.rollback()
        form.version.data = str(access_request.version)
        return None, str(error)
    except RequestActionError as error:
        db.session.rollback()
        return None, str(error)


def _initial(access_request: AccessRequest) -> dict:
    data = {"version": str(access_request.version)}
    for item in access_request.items:
        data[f"outcome_{item.id}"] = item.outcome.value if item.outcome else None
        data[f"reason_{item.id}"] = item.outcome_reason.value if item.outcome_reason else ""
        data[f"note_{item.id}"] = item.outcome_note
    return data


def _choices(form, access_request: AccessRequest) -> dict[int, outcomes.OutcomeChoice]:
    chosen = {}
    for item, outcome, reason, note in form.groups(access_request.items):
        if outcome.data:
            chosen[item.id] = outcomes.OutcomeChoice(
                ItemOutcome(outcome.data),
                OutcomeReason(reason.data) if reason.data else None, note.data or "")
    return chosen


@bp.route(f"/requests/<{ID}:request_id>/outcomes", methods=["GET", "POST"])
@staff_required
def record(request_id: int):
    access_request = db.get_or_404(AccessRequest, request_id)
    if not current_staff().can_see(access_request):
        abort(404)
    items = access_request.items
    form = (outcomes_form(items, formdata=request.form) if request.method == "POST"
            else outcomes_form(items, data=_initial(access_request)))
    problem = None
    closed = not outcomes.outcomes_open(access_request)
    if closed and request.method == "POST":
        flash(outcomes.NOT_OPEN, "error")
        return redirect(url_for(".record", request_id=request_id), 303)
    if not closed and form.validate_on_submit():
        changed, problem = _attempt(access_request, form, lambda version: outcomes.record_outcomes(
            access_request, current_staff(), _choices(form, access_request),
            expected_version=version))
        if problem is None:
            left = len(outcomes.missing_outcomes(access_request))
            saved = (f"Outcomes saved for {access_request.reference}." if changed
                     else "Nothing changed.")
            flash(saved + (f" {left} still to record." if left else
                           " Every accommodation has an outcome: the request can be closed."),
                  "success")
            return redirect(url_for("triage.detail", request_id=request_id,
                                    _anchor="after-event"), 303)
    coverage = {entry.item.id: entry for entry in queries.coverage(access_request)}
    code = 422 if (form.errors or problem) and request.method == "POST" else 200
    return render_template("arranging/outcomes.html", access_request=access_request,
                           form=form, groups=form.groups(items), coverage=coverage,
                           problem=problem, closed=closed, closed_words=outcomes.NOT_OPEN,
                           page_has_errors=problem is not None), code


def _follow_up_key(kind: str) -> WordingKey:
    """The wording named in the URL ("apology", "recording", "transcript"); else Not Found."""
    for key in outcomes.FOLLOW_UPS:
        if key.value == f"followup_{kind}":
            return key
    abort(404)


@bp.route(f"/requests/<{ID}:request_id>/follow-up/<kind>", methods=["GET", "POST"])
@staff_required
def follow_up(request_id: int, kind: str):
    access_request = db.get_or_404(AccessRequest, request_id)
    if not current_staff().can_see(access_request):
        abort(404)
    key = _follow_up_key(kind)
    closed = not outcomes.outcomes_open(access_request)
    if closed and request.method == "POST":
        flash(outcomes.NO_FOLLOW_UP, "error")
        return redirect(url_for(".follow_up", request_id=request_id, kind=kind), 303)
    if request.method == "POST" or closed:
        form = FollowUpForm()
    else:
        wording = outcomes.prefilled_follow_up(access_request, key)
        form = FollowUpForm(data={"subject": wording.subject, "body": wording.body,
                                  "version": str(access_request.version)})
    problem = None
    if not closed and form.validate_on_submit():
        _sent, problem = _attempt(access_request, form, lambda version: outcomes.send_follow_up(
            access_request, current_staff(), key, form.subject.data, form.body.data,
            expected_version=version))
        if problem is None:
            told = ("It will be emailed to the attendee and shown on their status page."
                    if access_request.gets_email else
                    f"It was not emailed. {access_request.contact_instead} It is shown on "
                    f"their status page.")
            flash(f"Follow-up ({key.label.removeprefix('Follow-up: ')}) sent for "
                  f"{access_request.reference}. {told}", "success")
            return redirect(url_for("triage.detail", request_id=request_id,
                                    _anchor="after-event"), 303)
    code = 422 if (form.errors or problem) and request.method == "POST" else 200
    return render_template("arranging/follow_up.html", access_request=access_request,
                           form=form, key=key, problem=problem, closed=closed,
                           closed_words=outcomes.NO_FOLLOW_UP,
                           went_wrong=outcomes.went_wrong(access_request),
                           page_has_errors=problem is not None), code
