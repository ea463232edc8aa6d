"""What the deployed service answers and writes, read over HTTPS through nginx.

Not in a browser: these send what no form would (NUL bytes, control characters) and read raw
headers and logs.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from accessreq.config import DEFAULT_FORM_MIN_SECONDS

pytestmark = pytest.mark.production

NAME = "Ysolde Nullbyte"
EMAIL = "ysolde.nullbyte@example.net"
SECRET_TEXT = "Perihelion caption request"
# Text areas keep line breaks (CRLF is stored as LF); every other field refuses them.
MULTI_LINE = {"anything_else", "details", "description"}
LINE_BREAK = "\r\nBcc: someone@example.org"
BAD_VALUES = ["\x00", "\x07", "\x1b[31m", LINE_BREAK, "\u0085", "\x7f"]


@pytest.fixture
def http(lane_context):
    """Playwright's HTTP client in a browser context: cookies kept, TLS like the browser."""
    return lane_context().request


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def post_form(http, stack, path: str, fields: dict, as_a_person: bool = False):
    """POST as the browser would: the CSRF token (and the request form's signed start time)
    from the page and a same-origin Referer. ``as_a_person`` waits the request form's minimum
    fill time (requests/spam.py, on in the lane) first, as a post meant to be accepted must."""
    url = stack.url + path
    opened_at = time.monotonic()
    page = http.get(url)
    assert page.status < 500, page.status
    html = page.text()
    started = re.search(r'name="form_started" type="hidden" value="([^"]+)"', html)
    form = {"csrf_token": csrf_token(html), **fields}
    if started:
        form["form_started"] = started.group(1)
    if as_a_person:
        time.sleep(max(DEFAULT_FORM_MIN_SECONDS + 1 - (time.monotonic() - opened_at), 0))
    return http.post(url, form=form, headers={"Referer": url}, max_redirects=0)


def submission(event, **overrides) -> dict:
    kind = event.offered_types[0]
    fields = {"contact_name": NAME, "contact_email": EMAIL, "contact_channel": "email",
              "for_whom": "me", "accommodations": str(kind.id),
              f"details_{kind.id}": SECRET_TEXT, "anything_else": SECRET_TEXT, "consent": "y"}
    fields.update(overrides)
    return fields


def assert_refused_beside_the_field(response, kept: str, field: str, bad: str) -> None:
    """Refused with the GOV.UK error pattern, and what was typed around the characters kept;
    a line break in a text area is no error at all."""
    if field in MULTI_LINE and bad == LINE_BREAK:
        assert response.status == 303, response.status
        return
    assert response.status == 200, response.status
    body = response.text()
    assert "<title>Error: " in body and 'class="error-summary' in body, body[:3000]
    assert kept in body, body[:3000]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
@pytest.mark.parametrize("field", ["contact_name", "contact_email", "contact_phone",
                                   "attendee_name", "anything_else", "details"])
def test_asvs_5_1_4_control_characters_in_the_public_form_get_a_clear_answer(
        stack, http, make_event, field, bad):
    event = make_event(title="Lane event for bad input")
    name = f"details_{event.offered_types[0].id}" if field == "details" else field
    value = {"contact_email": f"before{bad}after@example.net",
             "contact_phone": f"0770{bad}0900982"}.get(field, f"Before{bad}after")
    extra = {"for_whom": "someone_else", "attendee_name": "Attending Person"}
    stack.keep_out_of_logs(NAME, EMAIL, SECRET_TEXT)
    response = post_form(http, stack, f"/events/{event.id}/request",
                         submission(event, **{**extra, name: value}),
                         as_a_person=field in MULTI_LINE and bad == LINE_BREAK)
    assert response.status < 500, response.status
    assert_refused_beside_the_field(response, value[:4], field, bad)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
@pytest.mark.parametrize("field", ["description", "where", "name", "email"])
def test_asvs_5_1_4_control_characters_in_the_problem_report_get_a_clear_answer(
        stack, http, field, bad):
    fields = {"description": SECRET_TEXT, "where": "The request form", "name": NAME,
              "email": EMAIL}
    fields[field] = f"Before{bad}after" if field != "email" else f"before{bad}after@example.net"
    stack.keep_out_of_logs(NAME, EMAIL, SECRET_TEXT)
    response = post_form(http, stack, "/accessibility/report", fields)
    assert response.status < 500, response.status
    assert_refused_beside_the_field(response, fields[field][:4], field, bad)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_asvs_5_1_4_control_characters_at_sign_in_get_a_clear_answer(stack, http, bad):
    stack.keep_out_of_logs(EMAIL, SECRET_TEXT)
    response = post_form(http, stack, "/staff/login",
                         {"email": f"{EMAIL}{bad}", "password": f"{SECRET_TEXT}{bad}"})
    assert response.status < 500, response.status
    assert_refused_beside_the_field(response, "@example.net", "email", bad)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_asvs_5_1_4_control_characters_on_the_status_page_get_a_clear_answer(
        stack, http, make_request, bad):
    _, status_url = make_request(contact_name=NAME, contact_email=EMAIL)
    token_path = "/r/" + status_url.rsplit("/r/", 1)[1]
    stack.keep_out_of_logs(token_path, NAME, EMAIL, SECRET_TEXT)
    message = post_form(http, stack, token_path, {"body": f"{SECRET_TEXT}{bad}"})
    assert message.status < 500, message.status
    cancel = post_form(http, stack, token_path + "/cancel", {"reason": f"{SECRET_TEXT}{bad}"})
    assert cancel.status < 500, cancel.status


def test_asvs_7_1_1_logs_are_json_and_hold_no_token_email_name_or_message(
        stack, http, make_event, make_request):
    event = make_event(title="Lane event for logs")
    response = post_form(http, stack, f"/events/{event.id}/request", submission(event),
                         as_a_person=True)
    assert response.status in (302, 303), response.text()[:2000]
    _, status_url = make_request(event, contact_name=NAME, contact_email=EMAIL)
    token = status_url.rsplit("/", 1)[1]
    for path in (f"/r/{token}", f"/r/{token}/cancel", f"/r/{token}x", "/staff/",
                 f"/events/{event.id}/request?email={EMAIL}"):
        assert http.get(stack.url + path).status < 500
    post_form(http, stack, f"/r/{token}", {"body": "\x00" + SECRET_TEXT})
    post_form(http, stack, "/staff/login", {"email": EMAIL + "\x00", "password": SECRET_TEXT})

    lines = [line for line in stack.app_log_lines() if line.strip()]
    assert lines, "gunicorn wrote nothing"
    records = []
    for line in lines:
        records.append(json.loads(line))  # every line the web processes write is JSON
    routes = {r.get("route") for r in records if r.get("message") == "request"}
    assert "/r/<token>" in routes, routes
    assert all(r.get("request_id") for r in records if r.get("message") == "request")
    stack.keep_out_of_logs(token, EMAIL, NAME, SECRET_TEXT)
    stack.assert_logs_clean()


def test_the_lane_sender_lost_no_message(stack):
    """Runs near the end (see conftest.py): every message any lane test caused was delivered;
    none ended failed (a key the processes do not share, a header they cannot write…)."""
    assert stack.sender_failures() == 0, (stack.logs / "sender.log").read_text()


def test_asvs_7_1_1_the_whole_lane_logged_no_private_value(stack):
    """Runs last (see conftest.py): every value any lane test sent, against every log line."""
    assert stack.private_values, "no lane test named what must stay out of the logs"
    assert stack.log_text(), "the lane captured no log output"
    stack.assert_logs_clean()


def test_asvs_14_4_security_headers_over_https(stack, http, make_request):
    _, status_url = make_request()
    token_path = "/r/" + status_url.rsplit("/r/", 1)[1]
    for path, private in (("/", False), (token_path, True), ("/staff/login", False)):
        response = http.get(stack.url + path)
        headers = response.headers
        assert response.status == 200, (path, response.status)
        assert headers.get("strict-transport-security", "").startswith("max-age="), headers
        assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), headers
        assert headers.get("x-content-type-options") == "nosniff", headers
        assert headers.get("referrer-policy") in ("same-origin", "strict-origin"), headers
        if private:
            assert "no-store" in headers.get("cache-control", ""), headers


def test_asvs_3_4_session_cookie_is_secure_httponly_and_host_only(stack, http):
    response = http.get(stack.url + "/staff/login")
    cookies = [value for name, value in
               ((h["name"].lower(), h["value"]) for h in response.headers_array)
               if name == "set-cookie"]
    assert cookies, response.headers_array
    for cookie in cookies:
        attributes = cookie.lower()
        # __Host-: only this host, over HTTPS, for the whole site, can set it.
        assert cookie.startswith("__Host-"), cookie
        assert "; secure" in attributes and "; httponly" in attributes, cookie
        assert "; path=/" in attributes and "domain=" not in attributes, cookie
        assert "samesite=lax" in attributes or "samesite=strict" in attributes, cookie
        assert "expires=" not in attributes, cookie  # ends with the browser session
