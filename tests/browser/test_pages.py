"""axe-core, structure and reflow checks on every page in every listed state.

A new GET route fails ``test_every_page_is_listed`` until a state for it is added to the list.
"""

from __future__ import annotations

import os

import pytest

from .helpers import SCREENSHOTS, SERVER_ERROR_ENDPOINT, axe_report, check, run_axe
from .states_api import API_STATES
from .states_public import PUBLIC_STATES
from .states_reports import REPORT_STATES
from .states_routing import ROUTING_STATES
from .states_staff import ERROR_STATES, STAFF_STATES
from .states_webhooks import WEBHOOK_STATES

STATES = (PUBLIC_STATES + STAFF_STATES + ROUTING_STATES + REPORT_STATES + WEBHOOK_STATES
          + ERROR_STATES + API_STATES)
# GET endpoints that are not pages for people.
NOT_PAGES = {"static": "files", "health.healthz": "JSON for load balancers",
             "health.readyz": "JSON for load balancers",
             "inbox.original": "a download: the stored email as message/rfc822",
             "inbox.attachment": "a download: one file attached to a stored email",
             "requests.calendar": "a download: the request's calendar file (text/calendar)",
             "plan.run_sheet_csv": "a download: the run sheet as a CSV file",
             "reports.table_csv": "a download: one of a report's tables as a CSV file",
             "api_docs.openapi_document": "JSON: the OpenAPI document (api_docs.docs shows it)",
             "api.list_events": "JSON API", "api.get_event": "JSON API",
             "api.list_accommodations": "JSON API", "api.list_requests": "JSON API",
             "api.get_request": "JSON API"}
# Contrast rules axe runs again with prefers-color-scheme: dark.
DARK_RULES = ["color-contrast", "link-in-text-block"]
# Titles seen by test_page, compared across pages by test_titles_unique.
TITLES: dict[str, tuple[str, str]] = {}


def test_every_page_is_listed(app):
    """Adding a route without adding its states to the lists above fails here."""
    rules = list(app.url_map.iter_rules())
    pages = {r.endpoint for r in rules if "GET" in r.methods and r.endpoint not in NOT_PAGES}
    listed = {endpoint for state in STATES for endpoint in state.endpoints}
    missing = sorted(pages - listed)
    assert not missing, ("GET routes with no page state in tests/browser/states_*.py, so axe and "
                         f"the structure checks never see them: {missing}")
    unknown = sorted(listed - {r.endpoint for r in rules} - {SERVER_ERROR_ENDPOINT})
    assert not unknown, f"states name endpoints the app does not have: {unknown}"
    ids = [state.id for state in STATES]
    assert len(ids) == len(set(ids)), "state ids must be unique"


def title_problems(state, title: str, has_summary: bool, site_name: str,
                   error_prefix: str = "Error: ") -> list[str]:
    problems = []
    suffix = f" — {site_name}"
    page_part = title.removeprefix(error_prefix).removesuffix(suffix).strip()
    if not title.endswith(suffix) or not page_part or page_part == site_name:
        problems.append(f"title {title!r} is not '<page> — {site_name}'")
    if state.form_error != title.startswith(error_prefix):
        problems.append(f"title {title!r}: {error_prefix!r} prefix should be "
                        f"{'present' if state.form_error else 'absent'}")
    if state.form_error != has_summary:
        problems.append("error summary " + ("missing" if state.form_error else "shown without errors"))
    if state.event_title and state.event_title not in title:
        problems.append(f"title {title!r} does not name the event {state.event_title!r}")
    return problems


def _with_settings(states):
    """Each state as a test parameter, carrying the app settings it needs as a mark."""
    return [pytest.param(s, marks=pytest.mark.app_config(**s.app_config)) if s.app_config else s
            for s in states]


def page_failures(world, axe, state, page, error_prefix: str = "Error: ",
                  optional_word: str = "(optional)") -> list[str]:
    """Every check on an open page: axe (light and dark schemes), structure, titles, targets,
    and reflow at 320 CSS px. Returns what failed, one paragraph per kind. A page in another
    language gives its words for the "Error: " title prefix and the "(optional)" label mark."""
    failures = []
    violations = run_axe(axe, page)
    if violations:
        failures.append(axe_report("the light scheme", violations))
    problems = check(page, "structure", optional_word)
    title = page.title()
    if error_prefix == "Error: ":
        TITLES[state.id] = (state.page_key, title)
    problems += title_problems(state, title, page.locator(".error-summary").count() > 0,
                               world.app.config["SITE_NAME"], error_prefix)
    problems += [f"target under 24×24 px at 1280 px: {t}" for t in check(page, "smallTargets")]

    page.emulate_media(color_scheme="dark")
    violations = run_axe(axe, page, rules=DARK_RULES)
    if violations:
        failures.append(axe_report("the dark scheme", violations))

    # Staff pages too: wide tables scroll inside their own region, never the page.
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 320, "height": 640})
    if os.environ.get("SCREENSHOT_ALL_PAGES"):
        page.screenshot(path=str(SCREENSHOTS / f"all-{state.id}-320.png"), full_page=True)
    overflow = check(page, "overflow")
    if overflow["scrollWidth"] > overflow["clientWidth"]:
        problems.append(f"scrolls sideways at 320 px: {overflow['scrollWidth']} > "
                        f"{overflow['clientWidth']}; too wide: {overflow['wide']}")
    problems += [f"target under 24×24 px at 320 px: {t}" for t in check(page, "smallTargets")]
    if problems:
        failures.append("structure and layout:\n- " + "\n- ".join(problems))
    return failures


@pytest.mark.browser
@pytest.mark.parametrize("state", _with_settings(STATES), ids=str)
def test_page(world, axe, state):
    """One page load, every check (``page_failures``)."""
    page = world.visit(state)
    if os.environ.get("SCREENSHOT_ALL_PAGES"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"all-{state.id}-1280.png"), full_page=True)
    failures = page_failures(world, axe, state, page)
    assert not failures, f"{state.id} ({page.url}):\n" + "\n\n".join(failures)


@pytest.mark.browser
def test_titles_unique():
    """Different pages never share a title (states of one page may)."""
    if len(TITLES) < len(STATES):
        pytest.skip("compares titles from a full run of test_page")
    by_title: dict[str, set[str]] = {}
    for page_key, title in TITLES.values():
        by_title.setdefault(title, set()).add(page_key)
    shared = {title: sorted(keys) for title, keys in by_title.items() if len(keys) > 1}
    assert not shared, f"pages sharing a title: {shared}"
