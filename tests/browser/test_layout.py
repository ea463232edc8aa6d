"""Layout in the settings people choose: dark scheme, reduced motion, forced colours, wider text
spacing; and screenshots to review.

Reflow at 320 px and target sizes are checked on every state in test_pages.py.
"""

from __future__ import annotations

import pytest

from .helpers import SCREENSHOTS, axe_report, check, run_axe, tab
from .states_public import PUBLIC_STATES
from .states_staff import LONG_ADDRESS, LONG_SUBJECT, STAFF_STATES

pytestmark = pytest.mark.browser

BY_ID = {state.id: state for state in PUBLIC_STATES + STAFF_STATES}
SAMPLE = ["home-with-events", "request-form-errors", "status-needs_info", "queue-full"]
SCREENSHOT_STATES = ["request-form", "request-form-errors", "status-needs_info", "queue-full"]
WIDTHS = [320, 1280]


def luminance(css_colour: str) -> float:
    """Relative luminance of an ``rgb(r, g, b)`` colour, as WCAG defines it."""
    channels = [int(c) / 255 for c in css_colour[css_colour.index("(") + 1:-1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("state_id", SAMPLE)
def test_dark_scheme_applies_and_keeps_contrast(world, axe, state_id):
    """A context that prefers dark gets the dark palette, and text still meets 4.5:1."""
    page = world.visit(BY_ID[state_id], color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(background) < 0.05, f"body background {background} is not dark"
    violations = run_axe(axe, page, rules=["color-contrast", "link-in-text-block"])
    assert not violations, axe_report(f"{state_id} (dark context)", violations)


@pytest.mark.parametrize("state_id", SAMPLE)
def test_reduced_motion_is_respected(world, state_id):
    page = world.visit(BY_ID[state_id], reduced_motion="reduce")
    page.keyboard.press("Tab")  # focus styles are where transitions usually hide
    page.keyboard.press("Tab")
    assert check(page, "motion") == []


@pytest.mark.parametrize("state_id", SCREENSHOT_STATES)
def test_screenshots_for_review(world, state_id):
    """Full-page pictures at 320 and 1280 px in test-artifacts/screenshots/ (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = world.visit(BY_ID[state_id])
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        path = SCREENSHOTS / f"{state_id}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{path} looks empty"
        if width == 320:  # the first screenful, as a phone or 400% zoom shows it
            page.screenshot(path=str(SCREENSHOTS / f"{state_id}-320-first-screen.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(SCREENSHOTS / f"{state_id}-1280-dark.png"), full_page=True)


# WCAG 1.4.12: people who need more space between lines, letters, words and paragraphs.
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
                    word-spacing: 0.16em !important; }
                  p { margin-bottom: 2em !important; }"""


@pytest.mark.parametrize("state_id", ["request-form-errors", "status-needs_info", "queue-full"])
def test_wider_text_spacing_loses_nothing(world, state_id):
    # The spacing stands for a user style sheet or extension, which the page's CSP does not
    # govern; an injected <style> would be refused by it (style-src 'self'), so bypass it here.
    page = world.visit(BY_ID[state_id], viewport={"width": 320, "height": 640}, bypass_csp=True)
    page.add_style_tag(content=TEXT_SPACING)
    assert check(page, "clipped") == []
    overflow = check(page, "overflow")
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow


def test_focus_stays_visible_in_forced_colours(world):
    """Windows high contrast drops box-shadows: every focus style must also have an outline."""
    page = world.visit(BY_ID["request-form-errors"], forced_colors="active")
    seen, previous = 0, -1
    for _ in range(80):
        info = tab(page)
        if info["tag"] == "body" or info["index"] <= previous:
            break  # went round past the end of the page
        assert info["visible"], f"no focus outline in forced colours on {info['description']}"
        previous, seen = info["index"], seen + 1
    assert seen > 10, f"only {seen} focus stops"


def test_caught_mail_fits_1280_px_without_sideways_scrolling(world):
    """Long subjects and unbroken addresses wrap inside their columns: neither the page nor
    the table's own region scrolls sideways at 1280 px, and every value is shown whole."""
    page = world.visit(BY_ID["admin-caught-mail-long"], viewport={"width": 1280, "height": 900})
    sizes = page.evaluate("""() => {
        const region = document.querySelector("main .table-wrap");
        const table = region.querySelector("table");
        return {regionScroll: region.scrollWidth, regionClient: region.clientWidth,
                tableRight: table.getBoundingClientRect().right,
                pageScroll: document.documentElement.scrollWidth,
                viewport: document.documentElement.clientWidth};
    }""")
    assert sizes["regionScroll"] <= sizes["regionClient"], sizes
    assert sizes["pageScroll"] <= sizes["viewport"], sizes
    assert sizes["tableRight"] <= sizes["viewport"], sizes
    text = " ".join(page.inner_text("main table").split())
    assert LONG_SUBJECT in text and LONG_ADDRESS in text
    assert "zoë@exämple.org" in text
    assert check(page, "clipped") == []


# The queue at work (issue 10, item 3): rows on the first screen, and the due date at 320 px.
ROWS_ON_SCREEN = """() => [...document.querySelectorAll('main table tbody tr')]
    .filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"""


def test_the_queue_shows_at_least_15_requests_on_the_first_screen(world):
    page = world.visit(BY_ID["queue-many"], viewport={"width": 1280, "height": 900})
    assert page.locator("main table tbody tr").count() == 24
    on_screen = page.evaluate(ROWS_ON_SCREEN)
    assert on_screen >= 15, f"only {on_screen} request rows on the first screen at 1280×900"


def test_every_due_date_is_in_view_at_320_px(world):
    page = world.visit(BY_ID["queue-many"], viewport={"width": 320, "height": 640})
    overflow = check(page, "overflow")
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    dues = page.locator("main table tbody tr td:last-child")
    assert dues.count() == 24
    width = page.evaluate("document.documentElement.clientWidth")
    for n in range(dues.count()):
        due = dues.nth(n)
        box = due.locator("time").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (n, box, width)
        assert due.locator("time").is_visible()
        assert due.locator(".cell-label").inner_text() == "Due"  # labelled in the stacked layout
