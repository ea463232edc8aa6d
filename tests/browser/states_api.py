"""Pages of the JSON API: the admin list of API clients, the new-client form (empty, with
errors, and the page showing the new token once), and the API's reference page."""

from __future__ import annotations

from accessreq.api.services import create_client

from .helpers import State, World
from .states_staff import _goto, _submit_empty

ADMIN = {"login_as": "admin"}


def _one_client(w: World) -> None:
    create_client("Ticketing platform", ["events:read", "requests:create"], None, None)


def _created(w: World, page, _data) -> None:
    w.goto(page, w.path("api_admin.new_client"))
    page.fill("main form input[name=name]", "Ticketing platform")
    page.locator("main form input[name=scopes]").first.check()
    w.submit(page)


API_STATES = [
    State("admin-api-clients-empty", ("api_admin.clients",), **ADMIN,
          open=_goto("api_admin.clients")),
    State("admin-api-clients", ("api_admin.clients",), **ADMIN, build=_one_client,
          open=_goto("api_admin.clients")),
    State("admin-api-client-new", ("api_admin.new_client",), **ADMIN,
          open=_goto("api_admin.new_client")),
    State("admin-api-client-new-error", ("api_admin.new_client",), **ADMIN, form_error=True,
          open=_submit_empty("api_admin.new_client")),
    State("admin-api-client-created", ("api_admin.new_client",), **ADMIN, open=_created),
    State("api-docs", ("api_docs.docs",), open=_goto("api_docs.docs")),
]
