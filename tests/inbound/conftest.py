"""Fixtures for email in: ``dovecot``, a real IMAP server with an empty INBOX (one Dovecot for
the run, started by tests/helpers_imap.py)."""

from helpers_imap import dovecot, dovecot_server  # noqa: F401 (fixtures)
