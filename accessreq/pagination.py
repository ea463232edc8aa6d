"""One rule for page numbers in the lists split into pages (the public and the admin event lists,
the staff queue), shown by one macro (``templates/macros/pagination.html``).

- ``?page=`` that is not a whole number (``abc``, ``1.5``, empty) means page 1.
- A whole number outside 1..pages redirects to the nearest page that exists (page 1, or the last
  page), keeping the rest of the query string: lists shrink while people page through them (staff
  handle requests, events pass), so a page that was there a moment ago leads somewhere useful.
  Page 1 always exists, even for an empty list, so the empty state can be shown.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

# Longer numbers are past the end of any list; capped so int() never parses a huge string.
_MAX_DIGITS = 9
_PAST_THE_END = 10**_MAX_DIGITS


def requested_page(value: str | None) -> int:
    """The page number in the query string: a whole number (maybe out of range), else 1."""
    value = (value or "").strip()
    digits = value[1:] if value.startswith("-") else value
    if not (digits.isascii() and digits.isdigit()):
        return 1
    if len(digits) > _MAX_DIGITS:
        return -_PAST_THE_END if value.startswith("-") else _PAST_THE_END
    return int(value)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill; at least 1."""
    return max(1, math.ceil(total / per_page))


def redirect_if_out_of_range(page: int, pages: int) -> Response | None:
    """None when ``page`` exists; otherwise a redirect to the nearest page that does, with the
    rest of this request's query string."""
    if 1 <= page <= pages:
        return None
    target = 1 if page < 1 else pages
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    if target > 1:
        args.append(("page", str(target)))
    query = urlencode(args)
    path = url_for(request.endpoint, **(request.view_args or {}))
    return redirect(path + (f"?{query}" if query else ""))
