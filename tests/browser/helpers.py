"""Helpers for the browser tests: reaching pages as people do, running axe, reading checks.js."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import url_for
from werkzeug.security import generate_password_hash

from accessreq.auth.models import Role, StaffUser
from accessreq.extensions import db
from helpers import TEST_PASSWORD, free_port  # noqa: F401  (free_port: for the states)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHECKS_JS = (Path(__file__).parent / "checks.js").read_text(encoding="utf-8")
SERVER_ERROR_PATH = "/__browser-test__/server-error"
SERVER_ERROR_ENDPOINT = "browser_test_server_error"
PASSWORD = TEST_PASSWORD

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass
class State:
    """One page in one state, reached the way a person reaches it.

    ``build`` makes the data (once per test); ``open`` drives a page there and may be replayed
    in another browser context (e.g. the dark colour scheme) with the same data.
    """

    id: str
    endpoints: tuple[str, ...]
    open: Callable[[World, Any, Any], None]
    build: Callable[[World], Any] = lambda w: None
    login_as: str | None = None  # "coordinator" or "admin"
    form_error: bool = False  # the title starts "Error: " and an error summary shows
    event_title: str | None = None  # the title names this event
    # Settings the app is created with for this state (test_pages.py applies them as an
    # app_config mark), e.g. a rate limit low enough to reach.
    app_config: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.id

    @property
    def page_key(self) -> str:
        """Which page this is, for comparing titles: states of one page share it."""
        return self.endpoints[0] if self.endpoints else self.id


@dataclass
class World:
    app: Any
    server: Any
    new_context: Callable
    make_event: Callable
    make_type: Callable
    make_request: Callable
    _data: dict = field(default_factory=dict)
    _staff: dict = field(default_factory=dict)
    _cookies: dict = field(default_factory=dict)

    @staticmethod
    def install_test_routes(app) -> None:
        """A route that fails, so the 500 page can be checked as people would see it."""
        if SERVER_ERROR_ENDPOINT in app.view_functions:
            return

        def fail():
            raise RuntimeError("deliberate failure for the 500 page test")

        app.add_url_rule(SERVER_ERROR_PATH, SERVER_ERROR_ENDPOINT, fail)

    def path(self, endpoint: str, **values) -> str:
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def path_for(self, endpoint: str, object_id) -> str:
        """The URL of a page about one object, whatever its URL rule names the id."""
        rule = next(iter(self.app.url_map.iter_rules(endpoint)))
        (argument,) = rule.arguments
        return self.path(endpoint, **{argument: object_id})

    @staticmethod
    def local(url: str) -> str:
        """The path of an absolute link from an email (BASE_URL is not the live server)."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def staff(self, role: str = "coordinator", name: str | None = None):
        """A staff account (one per role and name). Its password hash is a cheap PBKDF2 one:
        scrypt costs a third of a second per hash, and nearly every staff state signs in."""
        names = {"admin": "Ada Admin", "coordinator": "Cory Coordinator"}
        name = name or names[role]
        if name not in self._staff:
            user = StaffUser(email=f"{name.lower().replace(' ', '.')}@example.org", name=name,
                             role=Role(role), active=True,
                             password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"))
            db.session.add(user)
            db.session.commit()
            self._staff[name] = user
        return self._staff[name]

    def goto(self, page, path: str, status: int = 200):
        response = page.goto(path)
        assert response is not None, f"no response for {path}"
        assert response.status == status, (
            f"GET {path} answered {response.status}, expected {status}:\n"
            f"{page.inner_text('body')[:800]}")
        return response

    def submit(self, page, form: str = "main form", button: str = "[type=submit]"):
        """Press a form's submit button and wait for the page it leads to."""
        with page.expect_navigation() as navigation:
            page.locator(form).first.locator(button).first.click()
        response = navigation.value
        assert response is None or response.status < 500, (
            f"submitting {form} failed with {response.status}:\n{page.inner_text('body')[:800]}")
        return response

    def login(self, page, user, password: str = PASSWORD) -> None:
        self.goto(page, self.path("auth.login"))
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", password)
        self.submit(page)
        assert urlsplit(page.url).path != self.path("auth.login"), (
            f"sign-in as {user.email} failed:\n{page.inner_text('main')[:500]}")

    def visit(self, state: State, **context_options):
        """Open ``state`` in a new browser context; its data is built on the first visit."""
        if state.id not in self._data:
            self._data[state.id] = state.build(self)
        context = self.new_context(**context_options)
        page = context.new_page()
        if state.login_as:
            signed_in = self._cookies.get(state.login_as)
            if signed_in:
                context.add_cookies(signed_in)
            else:
                self.login(page, self.staff(state.login_as))
                self._cookies[state.login_as] = context.cookies()
        state.open(self, page, self._data[state.id])
        return page


def check(page, name: str, *args):
    """Run one function of checks.js in the page."""
    return page.evaluate(f"([name, args]) => ({CHECKS_JS})[name](...args)", [name, list(args)])


def run_axe(axe, page, rules: list[str] | None = None) -> list[dict]:
    """axe's violations on the page: the WCAG 2.x A/AA and best-practice rules, or ``rules``."""
    run_only = ({"type": "rule", "values": rules} if rules
                else {"type": "tag", "values": AXE_TAGS})
    results = axe.run(page, options={"runOnly": run_only, "resultTypes": ["violations"]})
    return results.response["violations"]


def axe_report(where: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe rule(s) failed on {where}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                     f" <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    target: {' '.join(str(t) for t in node['target'])}")
            lines.append(f"    html:   {node['html'][:300]}")
            if node.get("failureSummary"):
                lines.append("    " + node["failureSummary"].replace("\n", "\n    "))
    return "\n".join(lines)


def focused(page) -> dict:
    return check(page, "focus")


def tab(page, times: int = 1) -> dict:
    """Press Tab and describe what took focus."""
    for _ in range(times):
        page.keyboard.press("Tab")
    return focused(page)


SEGMENTED_INPUTS = frozenset({"date", "time", "datetime-local", "month", "week"})


def tab_until(page, predicate: Callable[[dict], bool], limit: int = 80) -> dict:
    """Tab forward until ``predicate`` holds for the focused element.

    Every stop must show a visible focus indicator, and focus must move forward in document
    order (the reading order), never jump back, on the way.
    """
    seen = []
    previous = focused(page)["index"]
    for _ in range(limit):
        info = tab(page)
        seen.append(info["description"])
        assert info["tag"] != "body", "focus fell off the page after:\n  " + "\n  ".join(seen)
        assert info["visible"], (f"focus is not visible on {info['description']} "
                                 f"({info['indicator']})")
        assert info["onScreen"], f"focused {info['description']} is scrolled out of view"
        # A native date or time input keeps focus while Tab walks its own parts (day, month,
        # year): staying on it is moving forward.
        in_parts = (info["index"] == previous and info["tag"] == "input"
                    and info["type"] in SEGMENTED_INPUTS)
        assert info["index"] > previous or in_parts, (
            "Tab moved backwards, against the reading order, to "
            f"{info['description']}; stops:\n  " + "\n  ".join(seen))
        previous = info["index"]
        if predicate(info):
            return info
    raise AssertionError("never reached the wanted element; focus went through:\n  "
                         + "\n  ".join(seen))


def press(page, key: str) -> dict:
    """Press a key on the focused element and describe what has focus afterwards."""
    page.keyboard.press(key)
    return focused(page)


def follow(page, key: str = "Enter") -> None:
    """Activate the focused link or button with the keyboard and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)
