"""The run sheet printed (issue 12): the print stylesheet hides the navigation and everything
but the people and what they need on the day, and the demo-like roundtable (three people, one
interpreter booking) fits one A4 page. Screenshots of the print rendering go to
test-artifacts/screenshots/ for review."""

from __future__ import annotations

import re

import pytest

from .helpers import SCREENSHOTS
from .states_staff import STAFF_STATES

pytestmark = pytest.mark.browser

BY_ID = {state.id: state for state in STAFF_STATES}
# A4 at CSS pixels (96 per inch): 210 × 297 mm.
A4 = {"width": 794, "height": 1123}
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-z])")


def test_the_run_sheet_prints_on_one_a4_page_with_no_navigation(world):
    page = world.visit(BY_ID["run-sheet"], viewport=A4)
    page.emulate_media(media="print")
    for hidden in (".site-header", "nav", ".site-footer", ".skip-link", "main .no-print"):
        locator = page.locator(hidden)
        assert all(not locator.nth(n).is_visible() for n in range(locator.count())), hidden
    printed = " ".join(page.inner_text("main").split())
    for shown in ("Run sheet: Roundtable: Archives and memory", "Kim Rivera", "Sam Attendee",
                  "Noor Haddad", "Wheelchair space H3, near the stage; met at the door",
                  "Hands Up Interpreting", "Step-free venue."):
        assert shown in printed, shown
    for private in ("example.net", "Alex Rivera", "BSL", "AR-"):
        assert private not in printed, private
    # Legible at A4: body text at least 10 pt once printed.
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main td'))"
                         ".fontSize)")
    assert size >= 13, size  # CSS px: 10 pt = 13.3 px
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture = SCREENSHOTS / "run-sheet-print-a4.png"
    page.screenshot(path=str(picture), full_page=True)
    assert picture.stat().st_size > 10_000, f"{picture} looks empty"
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (SCREENSHOTS / "run-sheet-print-a4.pdf").write_bytes(pdf)
    assert len(PDF_PAGE.findall(pdf)) == 1, "the run sheet of three people takes more than a page"


def test_the_plan_prints_without_the_navigation_too(world):
    page = world.visit(BY_ID["plan-with-rows"], viewport=A4)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator("main table").first.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "plan-print-a4.png"), full_page=True)
