"""marshmallow schemas: what each call takes and answers. The OpenAPI document is built from
these, so it cannot drift from the code."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..forms import LONG_TEXT_MAX
from ..i18n.languages import DEFAULT as DEFAULT_LANGUAGE, LANGUAGES
from ..requests.models import ContactChannel
from ..requests.outcomes import ShortfallReason
from ..requests.states import RequestStatus

PAGE_MAX = 100
# Ids are 32-bit integers on PostgreSQL: a larger one is invalid, not a server error.
ID = validate.Range(min=1, max=2**31 - 1)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""
    type = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str(required=True)
    errors = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()),
                         metadata={"description": "Field name -> messages (validation)."})


class PageArgs(Schema):
    cursor = fields.Str(load_default=None, validate=validate.Length(max=100),
                        metadata={"description": "`next_cursor` of the previous page."})
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=PAGE_MAX))


class AccommodationSchema(Schema):
    id = fields.Int(required=True)
    name = fields.Str(required=True)
    description = fields.Str(required=True)
    lead_time_days = fields.Int(required=True, metadata={
        "description": "Days of notice the organisers need to arrange it."})
    details_label = fields.Str(allow_none=True, metadata={
        "description": "When set, a request may add details for it under this question."})


class CatalogueSchema(Schema):
    items = fields.List(fields.Nested(AccommodationSchema), required=True)


class EventSchema(Schema):
    id = fields.Int(required=True)
    title = fields.Str(required=True)
    description = fields.Str(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    timezone = fields.Str(required=True)
    venue = fields.Str(required=True)
    is_online = fields.Bool(required=True)
    requests_open = fields.Bool(required=True)
    requests_close_at = fields.AwareDateTime(allow_none=True)
    accepts_requests = fields.Function(lambda e: e.accepts_requests(), required=True,
                                       metadata={"type": "boolean"})
    cancelled = fields.Function(lambda e: e.is_cancelled, required=True,
                                metadata={"type": "boolean"})
    accommodation_type_ids = fields.Function(
        lambda e: [t.id for t in e.offered_types], required=True,
        metadata={"type": "array", "items": {"type": "integer"}})


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    next_cursor = fields.Str(allow_none=True, required=True)


class EventInSchema(Schema):
    """An event as the admin form takes it, checked by that form's own rules: local date and
    times in ``timezone`` (an IANA name such as Europe/London)."""
    title = fields.Str(required=True, validate=validate.Length(max=1000))
    description = fields.Str(validate=validate.Length(max=10000))
    day = fields.Str(required=True, validate=validate.Length(max=40),
                     metadata={"description": "The date, like 2026-03-27."})
    start_time = fields.Str(required=True, validate=validate.Length(max=20),
                            metadata={"description": "Local time, like 18:30."})
    end_time = fields.Str(required=True, validate=validate.Length(max=20))
    timezone = fields.Str(required=True, validate=validate.Length(max=100))
    venue = fields.Str(validate=validate.Length(max=1000))
    is_online = fields.Bool()
    online_url = fields.Str(validate=validate.Length(max=1000),
                            metadata={"description": "The https joining link (online events)."})
    access_provided = fields.Str(validate=validate.Length(max=10000))
    close_day = fields.Str(allow_none=True, validate=validate.Length(max=40),
                           metadata={"description": "When requests close (optional)."})
    close_time = fields.Str(allow_none=True, validate=validate.Length(max=20))
    requests_open = fields.Bool()
    accommodation_type_ids = fields.List(fields.Int(validate=ID), validate=validate.Length(max=200))


class ChosenAccommodation(Schema):
    id = fields.Int(required=True, validate=ID)
    details = fields.Str(load_default="")


class RequestInSchema(Schema):
    """What the public request form asks, as JSON; the form's own rules check it."""
    event_id = fields.Int(required=True, validate=ID)
    contact_name = fields.Str(required=True)
    contact_email = fields.Str(required=True)
    contact_channel = fields.Str(load_default=ContactChannel.EMAIL.value,
                                 validate=validate.OneOf([c.value for c in ContactChannel]))
    contact_phone = fields.Str(load_default="")
    phone_on_the_day = fields.Bool(load_default=False)
    attendee_name = fields.Str(load_default=None, allow_none=True, metadata={
        "description": "Set when the contact asks for someone else."})
    accommodations = fields.List(fields.Nested(ChosenAccommodation), required=True)
    anything_else = fields.Str(load_default="")
    consent = fields.Bool(required=True, metadata={
        "description": "The attendee agreed that their details are stored (must be true)."})
    language = fields.Str(load_default=DEFAULT_LANGUAGE, validate=validate.OneOf(list(LANGUAGES)),
                          metadata={"description": "The attendee's language: every email to "
                                                   "them is written in it."})


class CreatedRequestSchema(Schema):
    reference = fields.Str(required=True)
    status = fields.Str(required=True)
    status_url = fields.Str(required=True, metadata={
        "description": "The attendee's private status page: give it to them only."})
    url = fields.Str(required=True)


class HistorySchema(Schema):
    kind = fields.Str(required=True)
    at = fields.AwareDateTime(required=True)
    from_status = fields.Function(lambda h: h.from_status.value if h.from_status else None,
                                  allow_none=True, metadata={"type": "string"})
    to_status = fields.Function(lambda h: h.to_status.value if h.to_status else None,
                                allow_none=True, metadata={"type": "string"})
    actor = fields.Function(lambda h: h.actor.name if h.actor else None, allow_none=True,
                            metadata={"type": "string"})
    body = fields.Str(required=True)


class RequestItemSchema(Schema):
    accommodation_type_id = fields.Int(required=True)
    name = fields.Function(lambda i: i.accommodation_type.name, required=True,
                           metadata={"type": "string"})
    details = fields.Str(required=True)


class RequestSchema(Schema):
    reference = fields.Str(required=True)
    event_id = fields.Int(required=True)
    status = fields.Function(lambda r: r.status.value, required=True,
                             metadata={"type": "string"})
    version = fields.Int(required=True)
    team_id = fields.Int(allow_none=True, required=True)
    contact_name = fields.Str(required=True)
    contact_email = fields.Str(required=True)
    contact_phone = fields.Str(required=True)
    contact_channel = fields.Function(lambda r: r.contact_channel.value, required=True,
                                      metadata={"type": "string"})
    language = fields.Str(required=True)
    attendee_name = fields.Str(allow_none=True, required=True)
    anything_else = fields.Str(required=True)
    items = fields.List(fields.Nested(RequestItemSchema), required=True)
    due_at = fields.AwareDateTime(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class RequestDetailSchema(RequestSchema):
    history = fields.Method("public_history", required=True,
                            metadata={"type": "array", "items": {
                                "$ref": "#/components/schemas/History"}})

    def public_history(self, access_request):
        from .queries import visible_history

        return HistorySchema(many=True).dump(visible_history(access_request))


class RequestPageSchema(Schema):
    items = fields.List(fields.Nested(RequestSchema), required=True)
    next_cursor = fields.Str(allow_none=True, required=True)


class RequestFilterArgs(PageArgs):
    status = fields.Str(load_default=None, validate=validate.OneOf([s.value for s in RequestStatus]))
    event = fields.Int(load_default=None, validate=ID)
    team = fields.Int(load_default=None, validate=ID)
    updated_since = fields.AwareDateTime(load_default=None)


class StatusChangeSchema(Schema):
    status = fields.Str(required=True, validate=validate.OneOf([s.value for s in RequestStatus]))
    message = fields.Str(load_default="", validate=validate.Length(max=LONG_TEXT_MAX), metadata={
        "description": "Sent to the attendee; some moves require it."})
    shortfall_reason = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(
        [r.value for r in ShortfallReason]), metadata={
        "description": "Main reason, for partially_arranged and unable_to_arrange."})


class ReplySchema(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=LONG_TEXT_MAX))
