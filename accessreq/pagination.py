"""One rule for page numbers in the lists split into pages (the public event list, the staff
queue, the inbox, the access log), one ``Page`` type for what a page holds, and one macro that
shows the page links (``templates/macros/pagination.html``).

- ``?page=`` that is not a whole number (``abc``, ``1.5``, empty) means page 1.
- A whole number outside 1..pages redirects to the nearest page that exists (page 1, or the last
  page), keeping the rest of the query string: lists shrink while people page through them (staff
  handle requests, events pass), so a page that was there a moment ago leads somewhere useful.
  Page 1 always exists, even for an empty list, so the empty state can be shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

# Longer numbers are past the end of any list; capped so int() never parses a huge string.
_MAX_DIGITS = 9
_PAST_THE_END = 10**_MAX_DIGITS

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list: its items and what a template needs to link to the other pages.
    Lists with more to say (the queue's counts and filters) extend it."""

    items: list[T]
    total: int  # items in the whole list (every page)
    page: int  # the page asked for; the view redirects when it is not in 1..pages
    pages: int  # at least 1 (see page_count)


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
