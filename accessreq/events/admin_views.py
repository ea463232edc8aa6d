"""Admin pages for events (create, edit, open or close for requests) and the catalogue."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from ..guards import admin_required
from ..extensions import db
from ..pagination import redirect_if_out_of_range, requested_page
from ..timeutil import utcnow
from .forms import (AccommodationTypeForm, EventForm, ProvisionForm, RemoveProvisionForm,
                    ToggleRequestsForm)
from .leadtime import notice_needed
from .models import AccommodationType, Event
from . import provisions as provision_services
from .services import (DuplicateTypeName, EventDetails, TypeDetails,
                       active_types, admin_events_page, catalogue as list_catalogue,
                       common_timezones,
                       organisation_choices, save_event, save_type, set_requests_open, utc_to_local)

admin_bp = Blueprint("events_admin", __name__, url_prefix="/admin")

# Where create_app puts the function counting each event's requests (event ids -> {id: count}):
# requests build on events, so this package cannot import it (see tests/test_architecture.py).
REQUEST_COUNTS = "accessreq.request_counts_by_event"


def _type_choices() -> list[tuple[int, str]]:
    return [(t.id, f"{t.name} ({notice_needed(t.lead_time_days)})") for t in active_types()]


def _event_details(form: EventForm) -> EventDetails:
    return EventDetails(
        title=form.title.data, description=form.description.data or "",
        starts_at=form.starts_at, ends_at=form.ends_at, timezone=form.timezone.data,
        venue=form.venue.data or "", is_online=form.is_online.data,
        online_url=form.online_url.data or "",
        access_provided=form.access_provided.data or "",
        requests_close_at=form.requests_close_at, requests_open=form.requests_open.data,
        type_ids=list(form.accommodation_types.data or []),
        organisation_id=int(form.organisation.data) if form.organisation.data else None,
        cosponsor_ids=list(form.cosponsors.data or []),
    )


def _event_form_data(event: Event) -> dict:
    day, start = utc_to_local(event.starts_at, event.timezone)
    _, end = utc_to_local(event.ends_at, event.timezone)
    close_day, close_time = utc_to_local(event.requests_close_at, event.timezone)
    return {
        "title": event.title, "description": event.description, "day": day,
        "start_time": start, "end_time": end, "timezone": event.timezone, "venue": event.venue,
        "is_online": event.is_online, "online_url": event.online_url,
        "access_provided": event.access_provided,
        "close_day": close_day, "close_time": close_time, "requests_open": event.requests_open,
        "accommodation_types": [t.id for t in event.accommodation_types if t.active],
        "organisation": str(event.organisation_id or ""),
        "cosponsors": [o.id for o in event.cosponsors],
    }


@admin_bp.get("/events")
@admin_required
def events():
    page = requested_page(request.args.get("page"))
    pagination = admin_events_page(max(page, 1))
    moved = redirect_if_out_of_range(page, max(pagination.pages, 1))
    if moved:
        return moved
    counts = current_app.extensions[REQUEST_COUNTS]([e.id for e in pagination.items])
    return render_template("admin/events.html", pagination=pagination, counts=counts,
                           now=utcnow())


@admin_bp.route("/events/new", methods=["GET", "POST"])
@admin_required
def new_event():
    form = EventForm(type_choices=_type_choices(), organisation_choices=organisation_choices(),
                     common_timezones=common_timezones(),
                     data={"timezone": current_app.config["TIMEZONE"], "requests_open": True,
                           "accommodation_types": [t.id for t in active_types()]})
    if form.validate_on_submit():
        event = save_event(None, _event_details(form))
        flash(f"Event created: {event.title}.", "success")
        return redirect(url_for("events_admin.events"))
    return render_template("admin/event_form.html", form=form, event=None)


@admin_bp.route("/events/<int:event_id>", methods=["GET", "POST"])
@admin_required
def edit_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = EventForm(type_choices=_type_choices(), organisation_choices=organisation_choices(),
                     common_timezones=common_timezones(),
                     data=_event_form_data(event))
    if form.validate_on_submit():
        save_event(event, _event_details(form))
        flash(f"Saved changes to {event.title}.", "success")
        return redirect(url_for("events_admin.events"))
    return render_template("admin/event_form.html", form=form, event=event)


@admin_bp.post("/events/<int:event_id>/requests")
@admin_required
def toggle_requests(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = ToggleRequestsForm()
    if not form.validate():
        abort(400)
    set_requests_open(event, form.open.data == "1")
    if event.requests_open:
        flash(f"{event.title} is open for access requests.", "success")
    else:
        flash(f"{event.title} is closed for access requests.", "success")
    if form.return_to.data == "edit":
        return redirect(url_for("events_admin.edit_event", event_id=event.id))
    return redirect(url_for("events_admin.events"))


# --- what the event provides to everyone -----------------------------------------------------


@admin_bp.route("/events/<int:event_id>/provisions", methods=["GET", "POST"])
@admin_required
def provisions(event_id: int):
    event = db.get_or_404(Event, event_id)
    types = active_types()
    form = ProvisionForm(type_choices=[(t.id, t.name) for t in types])
    if form.validate_on_submit():
        chosen = {t.id: t for t in types}.get(int(form.accommodation_type.data or 0))
        try:
            provision = provision_services.add_provision(event, provision_services.ProvisionDetails(
                accommodation_type=chosen, name=form.name.data or "", how=form.how.data or ""))
        except provision_services.ProvisionError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(f"Added {provision.name} to what {event.title} provides to everyone.",
                  "success")
            return redirect(url_for("events_admin.provisions", event_id=event.id))
    status = 422 if form.errors else 200
    return render_template("admin/provisions.html", event=event, form=form,
                           remove_form=RemoveProvisionForm()), status


@admin_bp.post("/events/<int:event_id>/provisions/<int:provision_id>/remove")
@admin_required
def remove_provision(event_id: int, provision_id: int):
    event = db.get_or_404(Event, event_id)
    if not RemoveProvisionForm().validate():
        abort(400)
    removed = provision_services.remove_provision(event, provision_id)
    if removed is not None:
        flash(f"Removed {removed.name} from what {event.title} provides to everyone.", "success")
    else:
        flash("That was already removed.", "info")
    return redirect(url_for("events_admin.provisions", event_id=event.id))


# --- the catalogue ----------------------------------------------------------------------------


def _type_details(form: AccommodationTypeForm) -> TypeDetails:
    return TypeDetails(
        name=form.name.data, lead_time_days=form.lead_time_days.data,
        description=form.description.data or "", details_label=form.details_label.data or "",
        details_hint=form.details_hint.data or "", active=form.active.data,
        position=form.position.data,
    )


@admin_bp.get("/catalogue")
@admin_required
def catalogue():
    return render_template("admin/catalogue.html", types=list_catalogue())


@admin_bp.route("/catalogue/new", methods=["GET", "POST"])
@admin_required
def new_type():
    form = AccommodationTypeForm(data={"active": True})
    if form.validate_on_submit():
        try:
            kind = save_type(None, _type_details(form))
        except DuplicateTypeName:
            form.name.errors.append("There is already an accommodation with this name")
        else:
            flash(f"Added {kind.name} to the catalogue.", "success")
            return redirect(url_for("events_admin.catalogue"))
    return render_template("admin/type_form.html", form=form, kind=None)


@admin_bp.route("/catalogue/<int:type_id>", methods=["GET", "POST"])
@admin_required
def edit_type(type_id: int):
    kind = db.get_or_404(AccommodationType, type_id)
    form = AccommodationTypeForm(obj=kind)
    if form.validate_on_submit():
        try:
            save_type(kind, _type_details(form))
        except DuplicateTypeName:
            form.name.errors.append("There is already an accommodation with this name")
        else:
            flash(f"Saved changes to {kind.name}.", "success")
            return redirect(url_for("events_admin.catalogue"))
    return render_template("admin/type_form.html", form=form, kind=kind)
