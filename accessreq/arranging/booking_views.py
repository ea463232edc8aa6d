"""Staff pages for bookings: asking a provider for an event (covering accommodations of one or
more requests), changing a booking and its status, and noting how an accommodation is met
without a booking. Scoped as requests are: staff see and book only what their teams hold."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from ..events.models import Event
from ..events.services import NonexistentLocalTime, local_to_utc, utc_to_local
from ..extensions import db
from ..forms import options
from ..guards import current_staff, staff_required
from ..requests.models import AccessRequest, RequestedAccommodation
from . import provider_mail, queries, services
from .forms import BookingForm, MetByForm, ProviderEmailForm
from .models import BOOKING_MOVES, Booking, BookingStatus, Provider

bp = Blueprint("bookings", __name__, url_prefix="/staff")
ID = "int(max=2147483647)"


def _for_request() -> AccessRequest | None:
    """The request a booking page was opened from (``?request=``), if this person sees it."""
    request_id = request.args.get("request", type=int)
    found = db.session.get(AccessRequest, request_id) if request_id else None
    return found if found is not None and current_staff().can_see(found) else None


def _item_label(item: RequestedAccommodation) -> str:
    who = item.request.attendee_name or item.request.contact_name
    return f"{item.accommodation_type.name}: {item.request.reference}, {who}"


def _local_day(event: Event) -> date:
    return utc_to_local(event.starts_at, event.timezone)[0]


def _fill(form: BookingForm, event: Event, booking: Booking | None) -> None:
    providers = queries.provider_choices(booking.provider if booking else None)
    form.provider.choices = options([("", "Choose a provider")] + [
        (str(p.id), f"{p.name} ({p.kind.label})") for p in providers])
    items = queries.bookable_items(event, current_staff())
    items += [item for item in (booking.items if booking else []) if item not in items]
    form.items.choices = [(item.id, _item_label(item)) for item in items]
    if booking is not None:
        statuses = [booking.status, *sorted(BOOKING_MOVES[booking.status], key=list(
            BookingStatus).index)]
        form.status.choices = options([(s.value, s.label) for s in statuses])
    currency = current_app.config["CURRENCY"]
    form.estimated_cost.label.text = f"Estimated cost ({currency})"
    form.actual_cost.label.text = f"Actual cost ({currency})"


def _initial(booking: Booking) -> dict:
    zone = booking.event.timezone
    day, clock = utc_to_local(booking.cancellation_deadline_at, zone)
    return {"provider": str(booking.provider_id), "items": [i.id for i in booking.items],
            "status": booking.status.value, "provider_reference": booking.provider_reference,
            "arrival_time": utc_to_local(booking.arrival_at, zone)[1],
            "start_time": utc_to_local(booking.starts_at, zone)[1],
            "end_time": utc_to_local(booking.ends_at, zone)[1],
            "estimated_cost": booking.estimated_cost, "actual_cost": booking.actual_cost,
            "deadline_day": day, "deadline_time": clock, "notes": booking.notes}


def _moment(day: date, clock: time | None, event: Event, field) -> datetime | None:
    if clock is None:
        return None
    try:
        return local_to_utc(day, clock, event.timezone)
    except NonexistentLocalTime as error:
        field.errors.append(f"{error}. Choose another time")
        return None


def _details(form: BookingForm, event: Event) -> services.BookingDetails | None:
    """The form as a booking's details; None (with errors beside the fields) when a local time
    does not exist in the event's time zone."""
    day = _local_day(event)
    chosen = set(form.items.data)
    details = services.BookingDetails(
        provider=db.session.get_one(Provider, int(form.provider.data)),
        items=[db.session.get_one(RequestedAccommodation, item_id) for item_id in sorted(chosen)],
        provider_reference=form.provider_reference.data or "",
        arrival_at=_moment(day, form.arrival_time.data, event, form.arrival_time),
        starts_at=_moment(day, form.start_time.data, event, form.start_time),
        ends_at=_moment(day, form.end_time.data, event, form.end_time),
        estimated_cost=form.estimated_cost.data, actual_cost=form.actual_cost.data,
        cancellation_deadline_at=(_moment(form.deadline_day.data, form.deadline_time.data,
                                          event, form.deadline_time)
                                  if form.deadline_day.data else None),
        notes=form.notes.data or "")
    return None if form.errors else details


def _render(form: BookingForm, event: Event, booking: Booking | None,
            for_request: AccessRequest | None):
    code = 422 if form.errors else 200
    provider_hours = {str(p.id): p.free_cancellation_hours
                      for p in queries.provider_choices(booking.provider if booking else None)}
    return render_template("arranging/booking_form.html", form=form, event=event,
                           booking=booking, for_request=for_request,
                           provider_hours=provider_hours,
                           email_kinds=provider_mail.kinds_for(booking) if booking else []), code


def _done(booking: Booking, for_request: AccessRequest | None, message: str):
    flash(message, "success")
    if for_request is not None:
        return redirect(url_for("triage.detail", request_id=for_request.id,
                                _anchor="arrangements"), 303)
    return redirect(url_for(".edit", booking_id=booking.id), 303)


@bp.route(f"/events/<{ID}:event_id>/bookings/new", methods=["GET", "POST"])
@staff_required
def new(event_id: int):
    event = db.get_or_404(Event, event_id)
    for_request = _for_request()
    form = BookingForm()
    if not form.is_submitted() and for_request is not None:
        form.items.data = [item.id for item in for_request.items]
    _fill(form, event, None)
    if form.validate_on_submit():
        details = _details(form, event)
        if details is not None:
            try:
                booking = services.create_booking(event, current_staff(), details)
            except services.BookingError as error:
                form.items.errors.append(str(error))
            else:
                return _done(booking, for_request,
                             f"Booking {booking.id} with {booking.provider.name} saved as "
                             f"asked. Confirm it here when the provider confirms.")
    return _render(form, event, None, for_request)


@bp.route(f"/bookings/<{ID}:booking_id>", methods=["GET", "POST"])
@staff_required
def edit(booking_id: int):
    booking = queries.visible_booking(current_staff(), booking_id)
    if booking is None:
        abort(404)
    for_request = _for_request()
    form = BookingForm() if request.method == "POST" else BookingForm(data=_initial(booking))
    _fill(form, booking.event, booking)
    if form.validate_on_submit():
        details = _details(form, booking.event)
        if details is not None:
            try:
                services.update_booking(booking, current_staff(), details,
                                        BookingStatus(form.status.data))
            except services.BookingError as error:
                form.status.errors.append(str(error))
            else:
                return _done(booking, for_request, f"Booking {booking.id} saved.")
    return _render(form, booking.event, booking, for_request)


def _email_kind_or_404(kind: str) -> provider_mail.ProviderEmailKind:
    try:
        return provider_mail.ProviderEmailKind(kind)
    except ValueError:
        abort(404)


@bp.route(f"/bookings/<{ID}:booking_id>/email/<kind>", methods=["GET", "POST"])
@staff_required
def email_provider(booking_id: int, kind: str):
    """Write to the booking's provider: the wording filled in for the booking, editable, and
    two ticks to share more. A provider without an email address: a message, no form."""
    booking = queries.visible_booking(current_staff(), booking_id)
    if booking is None:
        abort(404)
    email_kind = _email_kind_or_404(kind)
    form = None
    if booking.provider.email:
        wording = provider_mail.prefilled(booking, email_kind)
        form = ProviderEmailForm(data={"subject": wording.subject, "body": wording.body})
        if form.validate_on_submit():
            try:
                provider_mail.email_provider(booking, current_staff(), email_kind,
                                             form.subject.data, form.body.data,
                                             contacts=form.contacts.data, needs=form.needs.data)
            except provider_mail.ProviderEmailError as error:
                form[error.field or "body"].errors.append(str(error))
            else:
                flash(f"The email to {booking.provider.name} is in the outbox and will be sent "
                      f"shortly. Each request the booking covers says so in its history.",
                      "success")
                return redirect(url_for(".edit", booking_id=booking.id), 303)
    return render_template("arranging/provider_email.html", booking=booking, event=booking.event,
                           kind=email_kind, form=form), (
        422 if form is not None and form.errors else 200)


@bp.route(f"/arrangements/items/<{ID}:item_id>", methods=["GET", "POST"])
@staff_required
def met_by(item_id: int):
    item = db.get_or_404(RequestedAccommodation, item_id)
    if not current_staff().can_see(item.request):
        abort(404)
    form = MetByForm(data={"met_by": item.met_by})
    if form.validate_on_submit():
        services.set_met_by(item, current_staff(), form.met_by.data or "")
        flash(f"Saved how {item.accommodation_type.name.lower()} is met." if item.met_by else
              f"The note on {item.accommodation_type.name.lower()} was taken back.", "success")
        return redirect(url_for("triage.detail", request_id=item.request_id,
                                _anchor="arrangements"), 303)
    return render_template("arranging/met_by.html", form=form, item=item), (
        422 if form.errors else 200)
