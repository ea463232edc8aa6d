"""The reports page in its states: the demo data's report (the issue's acceptance: at least
three charts, each with a summary and a table), a coordinator's empty report, and custom dates
the page refuses."""

from __future__ import annotations

from .helpers import State, World
from .states_staff import _goto

ADMIN = {"login_as": "admin"}
STAFF = {"login_as": "coordinator"}


def demo_data(w: World) -> None:
    """The data `make run` loads: events, the catalogue, teams, and the demo's requests."""
    from accessreq.demo import load_demo
    from accessreq.demo_work import load_demo_work

    load_demo()
    load_demo_work()


def _report_with_charts(w: World, page, _data) -> None:
    w.goto(page, w.path("reports.overview"))
    assert page.locator("main figure.chart svg[role=img]").count() >= 3


def _custom_dates_refused(w: World, page, _data) -> None:
    w.goto(page, w.path("reports.overview"))
    page.select_option("main form select[name=period]", "custom")
    page.fill("main form input[name=first]", "2026-05-01")
    page.fill("main form input[name=last]", "2026-01-31")
    w.submit(page, form="main form[aria-label='Report filters']")
    assert page.input_value("main form input[name=first]") == "2026-05-01"
    assert page.input_value("main form input[name=last]") == "2026-01-31"


REPORT_STATES = [
    State("report-overview-demo", ("reports.overview",), **ADMIN, build=demo_data,
          open=_report_with_charts),
    State("report-overview-empty", ("reports.overview",), **STAFF,
          open=_goto("reports.overview")),
    State("report-overview-custom-errors", ("reports.overview",), **STAFF, form_error=True,
          open=_custom_dates_refused),
]
