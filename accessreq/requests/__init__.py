"""Accommodation requests: public intake, the attendee's status page, and the request lifecycle."""
