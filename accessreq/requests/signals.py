"""What other features may hear about a request, inside the transaction that changes it.

A receiver adds its own rows to the session (it never commits), so its work is committed, or
rolled back, with the change itself. Features that requests may not import (arranging) connect
here instead of being called.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the AccessRequest just cancelled by its attendee, before the commit.
request_cancelled = _signals.signal("request-cancelled")
