"""The admin's form for registering a webhook endpoint."""

from __future__ import annotations

from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import InputRequired, Length

from ..forms import AppForm, MultiCheckboxField, options, strip
from .models import URL_MAX, WebhookEvent
from .targets import TargetRefused, check_url


class EndpointForm(AppForm):
    url = StringField(
        "Address (URL)", filters=[strip],
        description="Where deliveries are POSTed, like https://events.example.org/hooks/access. "
                    "It must start with https:// (or http://) and be the final address: "
                    "redirects are not followed.",
        validators=[InputRequired("Enter the address that receives the webhooks"),
                    Length(max=URL_MAX, message=f"The address must be {URL_MAX} characters or fewer")])
    events = MultiCheckboxField(
        "Send when",
        description="Choose at least one.",
        validators=[InputRequired("Choose at least one thing to send webhooks for")])
    allow_personal_text = BooleanField(
        "Include personal details",
        description="Names, email addresses, messages and access needs in the words people "
                    "wrote. Leave unticked unless the receiving system needs them and is allowed "
                    "to hold them: without them, payloads carry only references, statuses, "
                    "times, the event and the team.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.events.choices = options([(e.value, e.label) for e in WebhookEvent])

    def validate_url(self, field) -> None:
        try:
            check_url(field.data)
        except TargetRefused as error:
            raise ValidationError(f"This address cannot receive webhooks. {error}") from None
