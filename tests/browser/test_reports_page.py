"""The reports page beyond the checks every page gets (test_pages.py runs axe in light and
dark schemes and reflow at 320 px on its states): the bars keep 3:1 against the page in both
schemes (axe does not look inside SVG), the words in the charts stay readable at 320 px, and
the page printed is legible with only the report on it."""

from __future__ import annotations

import re

import pytest

from .helpers import SCREENSHOTS
from .states_reports import REPORT_STATES
from .test_layout import luminance

pytestmark = pytest.mark.browser

DEMO = {state.id: state for state in REPORT_STATES}["report-overview-demo"]
A4 = {"width": 794, "height": 1123}
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-z])")


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_bars_and_their_words_keep_contrast(world, scheme):
    page = world.visit(DEMO, color_scheme=scheme)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    fills = page.evaluate("""() => [...document.querySelectorAll('.chart__bar')]
        .map(bar => getComputedStyle(bar).fill)""")
    words = page.evaluate("""() => [...document.querySelectorAll('.chart__label, .chart__value')]
        .map(text => getComputedStyle(text).fill)""")
    assert fills and words
    assert all(contrast(fill, background) >= 3 for fill in fills), (fills, background)
    assert all(contrast(fill, background) >= 4.5 for fill in words), (words, background)


def test_chart_words_fit_and_stay_readable_at_320_px(world):
    page = world.visit(DEMO, viewport={"width": 320, "height": 640})
    sizes = page.evaluate("""() => [...document.querySelectorAll('.chart__label')]
        .map(text => parseFloat(getComputedStyle(text).fontSize))""")
    assert sizes and min(sizes) >= 14, sizes
    overflowing = page.evaluate("""() => [...document.querySelectorAll('svg.chart__drawing')]
        .flatMap(svg => { const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')]
              .filter(t => t.getBoundingClientRect().right > box.right + 1)
              .map(t => t.textContent); })""")
    assert not overflowing, overflowing


def test_the_report_prints_legibly_without_the_navigation_or_filters(world):
    page = world.visit(DEMO, viewport=A4)
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", "main form"):
        locator = page.locator(hidden)
        assert all(not locator.nth(n).is_visible() for n in range(locator.count())), hidden
    assert page.locator("main figure.chart svg").first.is_visible()
    text = page.evaluate("""() => { const t = document.querySelector('.chart__label');
        const style = getComputedStyle(t); return [style.fill, parseFloat(style.fontSize)]; }""")
    assert text[0] == "rgb(0, 0, 0)" and text[1] >= 13, text  # black, 10 pt or more
    body = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main td')).fontSize)")
    assert body >= 13, body
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reports-print-a4.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (SCREENSHOTS / "reports-print-a4.pdf").write_bytes(pdf)
    assert 1 <= len(PDF_PAGE.findall(pdf)) <= 8
