"""The staff dashboard: the queue, a request's page, and the actions staff take on it.

Views are thin: read through ``queries``, change through ``services``, then Post/Redirect/Get.
A refused action re-renders the request page with what the person typed and why it failed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms import Form

from ..guards import current_staff, staff_required
from ..auth.models import StaffUser
from ..arranging import outcomes, queries as arranging_queries
from ..extensions import db
from ..pagination import redirect_if_out_of_range
from ..requests.models import AccessRequest
from ..requests.services import RequestActionError, StaleRequestError
from ..requests.states import MESSAGE_REQUIRED, SHORTFALL_STATUSES, TRANSITIONS, RequestStatus
from ..timeutil import format_date, utcnow
from . import canned, presenting, queries, saved_queue, services
from .record_views import recorded_status_link
from ..routing.models import Team
from .forms import (NOTE, AssignForm, ComposeForm, CorrectEmailForm, MoveForm, QueueFilterForm,
                    SaveViewForm, StatusForm, options, parse_version)

bp = Blueprint("triage", __name__, url_prefix="/staff")

# Ids beyond a 32-bit integer are unknown by definition; refusing them here keeps them from
# reaching the database as out-of-range parameters.
REQUEST_URL = "/requests/<int(max=2147483647):request_id>"

ACTION_FORMS: dict[str, type[Form]] = {
    "assign": AssignForm, "status": StatusForm, "compose": ComposeForm, "move": MoveForm,
    "correct_email": CorrectEmailForm,
}
# The field a refusal from the service is shown beside.
MAIN_FIELD = {"assign": "assignee", "status": "status", "compose": "body", "move": "team",
              "correct_email": "email"}




@bp.get("/")
@staff_required
def queue():
    return render_queue(queries.QueueFilters.from_args(request.args))


def render_queue(filters: queries.QueueFilters, save_form: SaveViewForm | None = None,
                 code: int = 200):
    """The queue page for ``filters``; ``save_form`` is a refused "Save this view" form."""
    now = utcnow()
    page = queries.queue_page(filters, current_staff(), now)
    moved = redirect_if_out_of_range(page.page, page.pages)
    if moved:
        return moved
    events, types, staff = queries.filter_options(now, filters.event_id)
    form = QueueFilterForm(data={
        "team": str(page.scope), "status": filters.status, "event": str(filters.event_id or ""),
        "type": str(filters.type_id or ""), "assignee": filters.assignee, "q": filters.q,
        "sort": filters.sort, "waiting": filters.waiting, "outcome": filters.needs_outcome,
    })
    form.status.choices = options([
        (queries.STATUS_OPEN, "Open (waiting on the team)"),
        (queries.STATUS_ALL, "All statuses")] + [(s.value, s.label) for s in RequestStatus])
    form.event.choices = options([("", "All events")] + [
        (str(e.id), f"{e.title} ({format_date(e.starts_at, e.timezone)})") for e in events])
    form.type.choices = options([("", "Any accommodation")] + [(str(t.id), t.name) for t in types])
    form.assignee.choices = options([("", "Anyone"), (queries.ASSIGNEE_MINE, "Me"),
                                     (queries.ASSIGNEE_UNASSIGNED, "Nobody (unassigned)")] + [
        (str(s.id), s.name) for s in staff])
    form.team.choices = options(_team_choices(page))
    status_links = [(queries.STATUS_OPEN, "Open"), (queries.STATUS_ALL, "All")] + [
        (s.value, s.label) for s in RequestStatus]
    me = current_staff()
    # A coordinator in no team sees only requests no team holds: say so, and whom to ask.
    admins = [] if me.teams or me.is_admin else [s for s in staff if s.is_admin]
    html = render_template("triage/queue.html", page=page, filters=filters, filter_form=form,
                           status_links=status_links, scope_label=_scope_label(page),
                           in_no_team=not me.teams and not me.is_admin, admins=admins,
                           active_filters=presenting.active_filters(filters, form),
                           due_in_words=presenting.due_in_words, asked_for=presenting.asked_for,
                           view_links=saved_queue.view_links(me, filters, now),
                           save_form=save_form or _save_form(filters),
                           page_has_errors=bool(save_form and save_form.errors))
    # The rows show names and what was asked for: log who saw them. After rendering, so the
    # commit does not expire what the template reads.
    services.record_queue_view([row.id for row in page.items], current_staff().id)
    return html, code


def _save_form(filters: queries.QueueFilters) -> SaveViewForm:
    form = SaveViewForm(formdata=None, prefix="view")
    form.query.data = saved_queue.query_of(filters)
    return form


def _team_choices(page: queries.QueuePage) -> list[tuple[str, str]]:
    """The team switcher: my teams together, each of them, and every team for admins."""
    me, open_in = current_staff(), page.team_open
    mine = sum(open_in.get(k, 0) for k in me.team_ids | {0})
    choices = [(queries.TEAM_MINE, f"My teams ({mine} open)")]
    choices += [(str(t.id), f"{t.name} ({open_in.get(t.id, 0)} open)") for t in me.teams]
    if me.is_admin:
        choices.append((queries.TEAM_ALL, "All teams"))
    return choices


def _scope_label(page: queries.QueuePage) -> str:
    if page.scope == queries.TEAM_ALL:
        return "All teams"
    if page.scope == queries.TEAM_MINE:
        return "My teams" if current_staff().teams else "Requests no team holds"
    return next(t.name for t in current_staff().teams if t.id == page.scope)


def _fill_choices(name: str, form: Form, access_request: AccessRequest) -> None:
    me = current_staff()
    if name == "assign":
        # Only people who can see the request: its team's members and admins.
        others = [(str(s.id), s.name) for s in queries.active_staff()
                  if s.id != me.id and (access_request.team is None or s.is_admin
                                        or s in access_request.team.members)]
        form.assignee.choices = options(
            [("me", f"Me ({me.name})"), ("unassigned", "Nobody (unassigned)"), *others])
    elif name == "status":
        # Moves that need a message are made with a reply, in the composer (one email).
        allowed = [s for s in RequestStatus if s in TRANSITIONS[access_request.status]
                   and s not in MESSAGE_REQUIRED]
        form.status.choices = options(
            [("", "Choose a new status")] + [(s.value, s.label) for s in allowed])
    elif name == "compose":
        allowed = [s for s in RequestStatus if s in TRANSITIONS[access_request.status]]
        form.status.choices = options(
            [("", f"No change (keep “{access_request.status.label}”)")] + [
                (s.value, f"{s.label} (needs your reply as its message)"
                 if s in MESSAGE_REQUIRED else s.label) for s in allowed])
        form.shortfall_offered = any(s in SHORTFALL_STATUSES for s in allowed)
    elif name == "move":
        others = [(str(t.id), f"{t.name} ({t.organisation.name})") for t in queries.all_teams()
                  if t.id != access_request.team_id]
        form.team.choices = options([("", "Choose a team")] + others)


def _current_assignee_choice(access_request: AccessRequest) -> str:
    if access_request.assignee_id is None:
        return "unassigned"
    return "me" if access_request.assignee_id == current_staff().id else str(access_request.assignee_id)


def _render_detail(request_id: int, failed: tuple[str, Form] | None = None,
                   stale_message: str | None = None, code: int = 200,
                   new_status_url: str | None = None, reply_id: int | None = None):
    """The request page; ``failed`` is the action form to show again with its errors;
    ``reply_id`` a canned reply to fill the composer with, if it fits this request."""
    access_request = queries.request_for_page(request_id)
    if access_request is None:
        abort(404)
    forms: dict[str, Form] = {}
    for name, form_class in ACTION_FORMS.items():
        if failed and failed[0] == name:
            form = failed[1]
        else:
            form = form_class(formdata=None, prefix=name)
            form.version.data = str(access_request.version)
        _fill_choices(name, form, access_request)
        forms[name] = form
    if not (failed and failed[0] == "assign"):
        forms["assign"].assignee.data = _current_assignee_choice(access_request)
    if stale_message and failed:
        forms[failed[0]].version.data = str(access_request.version)
    chosen = canned.fitting_reply(access_request, reply_id) if reply_id is not None else None
    if chosen is not None and not failed:
        forms["compose"].body.data = canned.render_for(chosen, access_request)
        if chosen.for_status is not None:  # it fits, so the request may move there
            forms["compose"].status.data = chosen.for_status.value
    html = render_template(
        "triage/detail.html", access_request=access_request, forms=forms, now=utcnow(),
        failed_form=failed[1] if failed else None, stale_message=stale_message,
        failed_field_id=getattr(failed[1], MAIN_FIELD[failed[0]]).id if failed else None,
        page_has_errors=failed is not None, views=queries.recent_views(request_id),
        new_status_url=new_status_url, bounce=queries.bounce_warning(access_request),
        coverage=arranging_queries.coverage(access_request),
        show_after_event=outcomes.after_event_shown(access_request),
        outcomes_open=outcomes.outcomes_open(access_request),
        went_wrong=outcomes.went_wrong(access_request), follow_ups=outcomes.FOLLOW_UPS,
        canned_replies=canned.replies_for(access_request),
        chosen_reply=chosen if not failed else None,
    )
    if failed:
        # A refused action shows the whole page again: that is a view too (``detail`` logs
        # its own before rendering, so the list includes it).
        services.record_view(access_request, current_staff())
    return html, code


def _visible_or_404(request_id: int) -> AccessRequest:
    """The request, if this person's teams hold it (admins: any); else Not Found, so other
    teams' references cannot even be confirmed by guessing ids."""
    access_request = db.get_or_404(AccessRequest, request_id)
    if not current_staff().can_see(access_request):
        abort(404)
    return access_request


@bp.get(REQUEST_URL)
@staff_required
def detail(request_id: int):
    access_request = _visible_or_404(request_id)
    services.mark_attendee_message_read(access_request, current_staff())
    services.record_view(access_request, current_staff())
    # ?reply=<id>: a canned reply chosen from the list beside the composer fills it in.
    reply_id = request.args.get("reply", type=int)
    if reply_id is not None and not 0 < reply_id <= 2147483647:
        reply_id = None
    return _render_detail(request_id, new_status_url=recorded_status_link(request_id),
                          reply_id=reply_id)


def _act(request_id: int, name: str, perform: Callable[[AccessRequest, Form, int], str],
         then: Callable[[AccessRequest], str] | None = None):
    """Validate one action form, run its service, and redirect (to the request's history, or
    to ``then(access_request)``); or show the page again."""
    access_request = _visible_or_404(request_id)
    form = ACTION_FORMS[name](prefix=name)
    _fill_choices(name, form, access_request)
    if not form.validate_on_submit():
        return _render_detail(request_id, failed=(name, form), code=422)
    try:
        message = perform(access_request, form, parse_version(form.version.data))
    except StaleRequestError as error:
        db.session.rollback()
        return _render_detail(request_id, failed=(name, form), stale_message=str(error), code=409)
    except RequestActionError as error:
        db.session.rollback()
        getattr(form, MAIN_FIELD[name]).errors.append(str(error))
        return _render_detail(request_id, failed=(name, form), code=422)
    flash(message, "success")
    if then is not None:
        return redirect(then(access_request), code=303)
    return redirect(url_for(".detail", request_id=request_id, _anchor="history"), code=303)


@bp.post(REQUEST_URL + "/assign")
@staff_required
def assign(request_id: int):
    def perform(access_request: AccessRequest, form: AssignForm, version: int) -> str:
        choice = form.assignee.data
        if choice == "me":
            assignee = current_staff()
        elif choice == "unassigned":
            assignee = None
        else:
            assignee = db.session.get(StaffUser, int(choice))
        services.assign(access_request, current_staff(), assignee, expected_version=version)
        if assignee is None:
            return f"{access_request.reference} is now unassigned."
        who = "you" if assignee.id == current_staff().id else assignee.name
        return f"{access_request.reference} is now assigned to {who}."

    return _act(request_id, "assign", perform)


@bp.post(REQUEST_URL + "/status")
@staff_required
def change_status(request_id: int):
    def perform(access_request: AccessRequest, form: StatusForm, version: int) -> str:
        target = RequestStatus(form.status.data)
        services.change_status(access_request, current_staff(), target, expected_version=version)
        told = ("The attendee will be emailed." if access_request.gets_email
                else f"It was not emailed. {access_request.contact_instead}")
        return f"{access_request.reference} is now “{target.label}”. {told}"

    return _act(request_id, "status", perform)


@bp.post(REQUEST_URL + "/compose")
@staff_required
def compose(request_id: int):
    """The composer: a reply to the attendee (maybe with a status change), or a note."""
    def perform(access_request: AccessRequest, form: ComposeForm, version: int) -> str:
        if form.mode.data == NOTE:
            services.add_note(access_request, current_staff(), form.body.data, expected_version=version)
            return "Internal note saved. It is not shown or emailed to the attendee."
        target = form.new_status
        services.reply(access_request, current_staff(), form.body.data, expected_version=version,
                       new_status=target, shortfall=form.shortfall_reason)
        done = "Your reply was added"
        if target is not None:
            done = f"{access_request.reference} is now “{target.label}”. {done}"
        if not access_request.gets_email:
            return f"{done}. It was not emailed. {access_request.contact_instead}"
        if target is None:
            return f"{done} and will be emailed to the attendee."
        return f"{done} and will be emailed to the attendee with the new status, in one email."

    return _act(request_id, "compose", perform)


@bp.post(REQUEST_URL + "/correct-email")
@staff_required
def correct_email(request_id: int):
    """After a bounce: the attendee's corrected address, and the bounced email sent again."""
    def perform(access_request: AccessRequest, form: CorrectEmailForm, version: int) -> str:
        email = services.correct_contact_email(access_request, current_staff(), form.email.data,
                                               expected_version=version)
        done = f"The email address is now {access_request.contact_email}."
        if email is None:
            return f"{done} The attendee asked for no email updates, so nothing was sent again."
        return f"{done} The email that bounced was queued again to it, with a new status link."

    return _act(request_id, "correct_email", perform)


@bp.post(REQUEST_URL + "/move")
@staff_required
def move(request_id: int):
    def perform(access_request: AccessRequest, form: MoveForm, version: int) -> str:
        team = db.session.get(Team, int(form.team.data))
        services.move_to_team(access_request, current_staff(), team, form.reason.data,
                              expected_version=version)
        if current_staff().can_see(access_request):
            return f"{access_request.reference} moved to {team.name}. The team will be emailed."
        return (f"{access_request.reference} moved to {team.name}. The team will be emailed; "
                "the request has left your queue.")

    def then(access_request: AccessRequest) -> str:
        """Someone still able to see the request stays on it; anyone else would get Not Found
        there, so they go back to their queue, where the banner says where it went."""
        if current_staff().can_see(access_request):
            return url_for(".detail", request_id=access_request.id, _anchor="history")
        return url_for(".queue")

    return _act(request_id, "move", perform, then)
