"""Imports every model so the metadata (and Alembic's autogenerate) sees all tables."""

from .api.models import ApiClient, IdempotencyKey  # noqa: F401
from .arranging.models import Booking, Provider  # noqa: F401
from .auth.models import LoginAttempt, Role, StaffUser  # noqa: F401
from .feedback.models import AccessibilityReport  # noqa: F401
from .inbound.models import InboundMessage  # noqa: F401
from .inbound.lease import MailboxLease  # noqa: F401
from .exports.models import ExportLog  # noqa: F401
from .events.models import (AccommodationType, Event, EventProvision,  # noqa: F401
                            event_accommodations)
from .notifications.models import EmailStatus, EmailWording, OutgoingEmail  # noqa: F401
from .requests.models import (AccessLogEntry, AccessRequest, HistoryEntry,  # noqa: F401
                              RequestedAccommodation, StatusLink)
from .routing.models import Organisation, RoutingRule, Team  # noqa: F401
from .triage.models import CannedReply, DigestSent, SavedView  # noqa: F401
from .webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
