"""Public event pages: the list of upcoming events and one event's access details."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..extensions import db
from ..pagination import redirect_if_out_of_range, requested_page
from ..timeutil import utcnow
from .models import AccommodationType, Event, short_notice_hours
from .queries import upcoming_events

bp = Blueprint("events", __name__)

def mentions_automated_captions(text: str) -> bool:
    """True when the event's own access text offers software captions, which are not CART."""
    lowered = text.lower()
    return "caption" in lowered and "auto" in lowered


def human_captioning_type(types: list[AccommodationType]) -> AccommodationType | None:
    """The catalogue entry for captions made by a person, if this event offers one."""
    for kind in types:
        name = kind.name.lower()
        if "cart" in name or ("caption" in name and "auto" not in name):
            return kind
    return None


@bp.get("/")
def index():
    page = requested_page(request.args.get("page"))
    events = upcoming_events(page)
    moved = redirect_if_out_of_range(page, events.pages)
    if moved:
        return moved
    return render_template("events/index.html", events=events)


@bp.get("/events/<int(max=2147483647):event_id>")
def detail(event_id: int):
    event = db.get_or_404(Event, event_id)
    now = utcnow()
    offered = event.offered_types
    closed = event.requests_closed(now)
    return render_template(
        "events/detail.html",
        event=event,
        offered=offered,
        accepting=closed is None,
        closed=closed,
        short_notice=event.starts_at_short_notice(now),
        short_notice_hours=short_notice_hours(),
        ask_by=event.ask_by_dates(now),
        captions_note=mentions_automated_captions(
            " ".join([event.access_provided, *(p.words for p in event.provisions)])),
        cart_type=human_captioning_type(offered),
    )

