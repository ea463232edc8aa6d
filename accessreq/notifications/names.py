"""What each email is, in words staff understand: one name per template in templates/emails/.

The outbox page shows these instead of template names. A new template needs its name here
(tests/test_admin_email.py fails otherwise).
"""

from __future__ import annotations

MESSAGE_NAMES: dict[str, str] = {
    "request_received": "Confirmation to the attendee",
    "staff_new_request": "New-request notice to the team",
    "staff_request_moved": "Moved-request notice to the new team",
    "attendee_update": "Update to the attendee (status or reply)",
    "attendee_follow_up": "Follow-up to the attendee after the event",
    "staff_attendee_message": "Attendee’s message notice to the team",
    "staff_attendee_cancelled": "Cancellation notice to the team",
    "staff_invite": "Invitation to a new staff member",
    "staff_accessibility_report": "Problem-report notice to the team",
    "accessibility_report_received": "Acknowledgement of a problem report",
    "inbound_unmatched_ack": "Automatic answer to an email that matched no request",
    "provider_message": "Staff email to a provider about a booking",
    "staff_digest": "Daily digest to a staff member",
}


def message_name(template: str) -> str:
    """The human name of a template; the template name itself if it has none (never an error)."""
    return MESSAGE_NAMES.get(template, template)
