"""Strategies for bad text, the way it is sent, and the checks every response must pass.

How text is sent: as a browser sends a form, ``application/x-www-form-urlencoded`` in UTF-8,
but encoded here with ``errors="surrogatepass"``. A lone surrogate (which st.text() can hold but
UTF-8 cannot) therefore arrives as invalid bytes (ED A0 80 for U+D800), which is what a
hand-made request can send; a browser would have sent U+FFFD instead, which the strategies also
produce. Werkzeug decodes invalid UTF-8 by keeping those bytes percent-encoded ("%ED%A0%80"), so
no lone surrogate ever reaches the app. ``as_received`` parses the value with Flask's own request
class, so the tests know exactly what the server was given.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlencode

from flask import Request
from hypothesis import strategies as st
from markupsafe import escape

from accessreq.forms import clean_multi_line, has_control_characters, normalise_newlines

# Responses by status class and examples run, printed at the end (conftest.py).
STATS: Counter = Counter()

# Each must never appear unescaped in a response. All hold a character HTML escaping changes.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
    '" autofocus onfocus="alert(3)',
    "<a href='javascript:alert(4)'>x</a>",
]
# The characters people and attackers actually paste: controls, line breaks, bidi controls,
# joiners, byte-order marks, lone surrogates, and some letters around them.
TRICKY = ("\x00\x01\x08\t\n\r\x0b\x0c\x1b\x1f\x7f\x80\x85\x9b\x9f\u00a0\u2028\u2029\u200b"
          "\u200d\u200e\u200f\u202a\u202e\u2066\u2067\u2068\u2069\ufeff\ufffd\ud800\udbff\udc00"
          "\udfff a<>\"'&é日ש٣👩🏽\u0301")

plain = st.text(max_size=300)
# Text a person could mean: everything but controls, surrogates and line separators.
clean = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                min_size=1, max_size=300)
tricky = st.text(alphabet=st.sampled_from(TRICKY), max_size=80)
with_surrogates = st.text(alphabet=st.characters(categories=["Cs", "Cc", "L", "Zs"]),
                          max_size=60)
with_payload = st.tuples(st.one_of(clean, plain, tricky), st.sampled_from(PAYLOADS),
                         st.one_of(clean, plain, tricky)).map("".join)
# About 100 kB: over every length limit, and near the 1 MB request limit once percent-encoded.
huge = st.tuples(st.sampled_from(["a", "é", "日", "👍", " ", "<b>", "\x00", "\r\n", PAYLOADS[0]]),
                 st.integers(min_value=20_000, max_value=100_000)).map(
    lambda unit_n: (unit_n[0] * (unit_n[1] // len(unit_n[0]) + 1))[:unit_n[1]])

TEXT = st.one_of(clean, plain, tricky, with_surrogates, with_payload, huge)
SHORT_TEXT = st.one_of(clean, plain, tricky, with_surrogates, with_payload)


class _Parser(Request):
    """Flask's request class, without the size limits (the app answers 413 on its own)."""

    max_content_length = None
    max_form_memory_size = None


def as_received(value: str) -> str:
    """What the app's form data holds when ``value`` was sent (see the module docstring)."""
    request = _Parser.from_values(data=encode({"v": value}), method="POST",
                                  content_type="application/x-www-form-urlencoded")
    return request.form["v"]


def encode(data: dict) -> bytes:
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass").encode("ascii")


def single_line_ok(value: str) -> bool:
    return not has_control_characters(value)


def multi_line_ok(value: str) -> bool:
    return not has_control_characters(value, multi_line=True)


def stored_multi_line(value: str) -> str:
    """The documented normalisation of accepted multi-line text: CRLF/CR to LF, then strip."""
    return normalise_newlines(value).strip()


def kept_multi_line(value: str, strip: bool) -> str:
    """What a refused text area shows again: the text without the controls."""
    kept = clean_multi_line(value)
    return kept.strip() if strip else kept


_UNSAFE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def send(client, url: str, data: dict):
    """POST ``data`` as a browser would (see the module docstring); check what every response
    must satisfy; count it."""
    response = client.post(url, data=encode(data), content_type="application/x-www-form-urlencoded")
    STATS["examples"] += 1
    STATS[f"{response.status_code // 100}xx"] += 1
    assert response.status_code < 500, response.status_code
    body = response.get_data(as_text=True)
    for payload in PAYLOADS:
        assert payload not in body, f"unescaped echo of {payload!r}"
    assert not _UNSAFE_CONTROLS.search(body), "a control character was echoed"
    return response


def shows_again(response, text: str) -> bool:
    """Whether the page shows ``text`` again, HTML-escaped as in a form field."""
    return str(escape(text)) in response.get_data(as_text=True)
