"""The export page's form: which optional columns, and whether the file is for Excel."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField

from ..forms import AppForm


class QueueExportForm(AppForm):
    """Download the queue's current filter as CSV (the filter travels as ``query``, the queue's
    own query string, parsed again like any query string when the file is made)."""

    query = HiddenField()
    personal = BooleanField(
        "Include personal details",
        description="The contact's name, email address, phone number and preferred way of "
                    "contact, and the attendee's name when someone asked for them. Leave it "
                    "unticked unless you need to reach people from the file.")
    free_text = BooleanField(
        "Include what attendees wrote",
        description="Their details for each accommodation, “anything else” and their comment "
                    "after the event, in their own words.")
    bom = BooleanField(
        "For Excel (adds a byte-order mark)",
        description="Excel then reads accented and non-Latin names correctly. Other programs "
                    "do not need it.")
