"""Arbitrary text in every staff action on a request: assign, reply with a status change,
reply, internal note (the last three from the one composer), move to another team. Never a 5xx; clean text is accepted and stored as
documented (CRLF to LF, then stripped by the service); text with control characters is refused
(422) and shown again without them; every echo escaped (``inputs.send``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from .inputs import SHORT_TEXT, TEXT, as_received, kept_multi_line, multi_line_ok, send, shows_again
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.forms import normalise_newlines
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind
from accessreq.requests.outcomes import ShortfallReason
from accessreq.requests.states import SHORTFALL_STATUSES, RequestStatus, can_transition
from accessreq.routing.models import Organisation, Team
from accessreq.forms import LONG_TEXT_MAX as MESSAGE_MAX_LENGTH
from helpers import cover_everything, sign_in

MOVE_REASON_MAX = 1000


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def colleague(make_staff):
    return make_staff(name="Casey Coordinator")


@pytest.fixture
def signed_in(client, admin):
    return sign_in(client, admin)


@pytest.fixture
def event(app, make_event):
    return make_event("Public lecture")


@pytest.fixture
def held(make_request, event):
    access_request, _ = make_request(event)
    return access_request.id


def current(request_id: int) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, request_id)


def newest(request_id: int, kind: HistoryKind) -> HistoryEntry | None:
    db.session.expire_all()
    return db.session.scalars(select(HistoryEntry).where(
        HistoryEntry.request_id == request_id, HistoryEntry.kind == kind)
        .order_by(HistoryEntry.id.desc())).first()


def act(client, request_id: int, action: str, **fields):
    """Post an action form; "reply" and "note" are the composer in that mode, sent with the
    button that matches it."""
    if action in ("reply", "note"):
        fields = {"mode": action, "action": action, **fields}
        action = "compose"
    data = {f"{action}-{name}": value for name, value in fields.items()}
    data[f"{action}-version"] = str(current(request_id).version)
    return send(client, f"/staff/requests/{request_id}/{action}", data)


def required_text_ok(value: str, limit: int) -> bool:
    """A required text area of a staff form (no strip filter; the service strips)."""
    data = normalise_newlines(value)
    return multi_line_ok(value) and bool(data.strip()) and len(data) <= limit


def check_text_action(client, request_id: int, action: str, kind: HistoryKind, text: str,
                      limit: int, field: str = "body", **other):
    before = newest(request_id, kind)
    response = act(client, request_id, action, **{field: text}, **other)
    got = as_received(text)
    after = newest(request_id, kind)
    if required_text_ok(got, limit):
        assert response.status_code == 303
        assert after is not None and after is not before
        return after, normalise_newlines(got).strip()
    assert response.status_code in (413, 422)
    assert after is before
    if response.status_code == 422:
        assert shows_again(response, kept_multi_line(got, strip=False))
    return None, None


# Notes, replies and moves each get a fresh request: a shared one would gather every accepted
# text in its history, and each refused example renders the whole history again.


@given(body=TEXT)
def test_asvs_5_1_4_internal_note_with_any_text(signed_in, make_request, event, body):
    request_id = make_request(event)[0].id
    entry, expected = check_text_action(signed_in, request_id, "note", HistoryKind.NOTE, body,
                                        MESSAGE_MAX_LENGTH)
    if entry is not None:
        assert entry.body == expected


@given(body=TEXT)
def test_asvs_5_1_4_reply_with_any_text(signed_in, make_request, event, body):
    request_id = make_request(event)[0].id
    entry, expected = check_text_action(signed_in, request_id, "reply", HistoryKind.STAFF_REPLY,
                                        body, MESSAGE_MAX_LENGTH)
    if entry is not None:
        assert entry.body == expected


@given(status=st.one_of(st.sampled_from([s.value for s in RequestStatus]), SHORT_TEXT),
       message=TEXT,
       reason=st.one_of(st.just(""), st.sampled_from([r.value for r in ShortfallReason]),
                        SHORT_TEXT))
def test_asvs_5_1_4_reply_with_a_status_change_and_any_message(signed_in, make_request, event,
                                                               status, message, reason):
    access_request, _ = make_request(event)  # a fresh one: a status change can finish it
    cover_everything(access_request)  # "Arranged" is one of the moves it may make
    request_id = access_request.id
    response = act(signed_in, request_id, "reply", status=status, body=message,
                   shortfall=reason)
    got, target, why = as_received(message), as_received(status), as_received(reason)
    data = normalise_newlines(got)
    # "" is the composer's "No change"; anything else must be a move the request can make.
    allowed = target == "" or (target in set(RequestStatus) and can_transition(
        RequestStatus.SUBMITTED, RequestStatus(target)))
    # The main reason: one from the list, and one is needed for partly or unable.
    reason_ok = (why == "" or why in set(ShortfallReason)) and not (
        why == "" and target in {s.value for s in SHORTFALL_STATUSES})
    acceptable = (allowed and reason_ok and multi_line_ok(got)
                  and len(data) <= MESSAGE_MAX_LENGTH and bool(data.strip()))
    if acceptable:
        assert response.status_code == 303
        if target:
            assert current(request_id).status == RequestStatus(target)
            entry = newest(request_id, HistoryKind.STATUS_CHANGED)
        else:
            entry = newest(request_id, HistoryKind.STAFF_REPLY)
        assert entry.body == data.strip()
    else:
        assert response.status_code in (413, 422)
        assert current(request_id).status == RequestStatus.SUBMITTED


@pytest.fixture
def two_teams(app, admin):
    centre = Organisation(name="Museum Centre")
    teams = [Team(organisation=centre, name=name, notification_email=f"{n}@example.org",
                  is_default=n == 0) for n, name in enumerate(["Front of house", "Publications"])]
    db.session.add_all([centre, *teams])
    db.session.commit()
    return [t.id for t in teams]


@given(reason=TEXT, team_choice=st.one_of(st.just(None), SHORT_TEXT))
def test_asvs_5_1_4_move_to_another_team_with_any_reason(signed_in, make_request, event,
                                                         two_teams, reason, team_choice):
    held = make_request(event)[0].id
    now_in = current(held).team_id
    other = next(t for t in two_teams if t != now_in)
    team = str(other) if team_choice is None else team_choice
    before = newest(held, HistoryKind.ROUTED)
    response = act(signed_in, held, "move", team=team, reason=reason)
    got = as_received(reason)
    after = newest(held, HistoryKind.ROUTED)
    if as_received(team) == str(other) and required_text_ok(got, MOVE_REASON_MAX):
        assert response.status_code == 303
        assert current(held).team_id == other
        assert after.body.split("\nReason: ", 1)[1].startswith(normalise_newlines(got).strip())
    else:
        assert response.status_code in (404, 413, 422)  # 404: a team id that does not exist
        assert after is before and current(held).team_id == now_in


@given(choice=st.one_of(st.sampled_from(["me", "unassigned", "colleague"]), SHORT_TEXT))
def test_asvs_5_1_3_assign_with_any_choice(signed_in, held, admin, colleague, choice):
    choice = str(colleague.id) if choice == "colleague" else choice
    before = current(held).assignee_id
    response = act(signed_in, held, "assign", assignee=choice)
    after = current(held).assignee_id
    wanted = {"me": admin.id, "unassigned": None, str(colleague.id): colleague.id}
    received = as_received(choice)
    if response.status_code == 303:
        assert received in wanted and after == wanted[received] != before
    else:
        assert response.status_code in (413, 422)
        assert after == before
