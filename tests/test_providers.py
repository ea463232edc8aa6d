"""Providers (issue 12, first slice): the list with search, kind filter and pages, adding and
editing one with every mistake explained beside its field, and who may keep the list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.arranging.models import Provider, ProviderKind
from accessreq.arranging.queries import PER_PAGE
from accessreq.arranging.services import ProviderDetails, ProviderError, save_provider
from accessreq.extensions import db
from helpers import sign_in

GOOD = {"name": "Hands Up Interpreting", "kind": "sign_language",
        "email": "bookings@handsup.example", "phone": "01632 960 001",
        "cancellation_terms": "Free until 48 hours before, then the full fee",
        "free_cancellation_hours": "48", "notes": "Ask for Priya.", "active": "y"}


def provider(name: str, kind: ProviderKind = ProviderKind.SIGN_LANGUAGE, **more) -> Provider:
    return save_provider(None, ProviderDetails(name=name, kind=kind, **more))


def test_a_coordinator_adds_a_provider_and_finds_it_in_the_list(client, staff):
    sign_in(client, staff)
    form = client.get("/staff/providers/new").get_data(as_text=True)
    assert "<h1>Add a provider</h1>" in form
    response = client.post("/staff/providers/new", data=GOOD)
    assert response.status_code == 303 and response.location.endswith("/staff/providers/")
    saved = db.session.scalars(select(Provider)).one()
    assert (saved.name, saved.kind, saved.free_cancellation_hours, saved.active) == (
        "Hands Up Interpreting", ProviderKind.SIGN_LANGUAGE, 48, True)
    listing = client.get(response.location).get_data(as_text=True)
    assert "Added Hands Up Interpreting." in listing
    assert "Free until 48 hours before" in listing and "bookings@handsup.example" in listing


def test_mistakes_are_explained_beside_each_field_and_nothing_typed_is_lost(client, staff):
    sign_in(client, staff)
    bad = {**GOOD, "name": "", "email": "bookings at handsup", "phone": "call me",
           "free_cancellation_hours": "two days", "kind": "juggling"}
    response = client.post("/staff/providers/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: Add a provider" in html
    for message in ("Enter the provider’s name",
                    "Enter an email address in the correct format",
                    "Enter a phone number, like 01632 960 001",
                    "Not a valid integer value", "Not a valid choice"):
        assert message in html, message
    assert 'value="bookings at handsup"' in html and 'value="call me"' in html
    assert "Free until 48 hours before, then the full fee" in html and "Ask for Priya." in html
    assert db.session.scalar(select(Provider.id)) is None


def test_two_providers_of_one_kind_cannot_share_a_name(client, staff):
    provider("Hands Up Interpreting")
    provider("Hands Up Interpreting", ProviderKind.CAPTIONING)  # another kind: fine
    sign_in(client, staff)
    response = client.post("/staff/providers/new", data={**GOOD, "name": "hands up interpreting"})
    assert response.status_code == 422
    assert ("There is already a sign language interpreting provider called hands up "
            "interpreting") in response.get_data(as_text=True)
    with pytest.raises(ProviderError):
        provider("HANDS UP INTERPRETING")


def test_editing_keeps_the_kind_and_can_stop_offering_a_provider(client, staff):
    found = provider("Clear Captions", ProviderKind.CAPTIONING, email="hi@clear.example")
    sign_in(client, staff)
    page = client.get(f"/staff/providers/{found.id}").get_data(as_text=True)
    assert '<option selected value="captioning">' in page
    response = client.post(f"/staff/providers/{found.id}", data={
        "name": "Clear Captions Ltd", "kind": "captioning", "email": "hi@clear.example"})
    assert response.status_code == 303
    db.session.expire_all()
    edited = db.session.get(Provider, found.id)
    assert (edited.name, edited.active) == ("Clear Captions Ltd", False)  # box left unticked
    listing = client.get("/staff/providers/").get_data(as_text=True)
    assert "Saved changes to Clear Captions Ltd." in listing
    assert "<table" not in listing and "No providers yet" in listing
    assert "Providers\n  no longer offered are not listed" in listing
    with_inactive = client.get("/staff/providers/?inactive=y").get_data(as_text=True)
    assert "Clear Captions Ltd" in with_inactive and "Not offered" in with_inactive
    assert client.get("/staff/providers/99999").status_code == 404


def test_search_and_kind_filter_narrow_the_list_and_say_when_nothing_matches(client, staff):
    provider("Hands Up Interpreting", email="bookings@handsup.example")
    provider("Clear Captions", ProviderKind.CAPTIONING, phone="0161 496 0000")
    provider("Big Print Co", ProviderKind.PRINT_BRAILLE)
    sign_in(client, staff)
    by_email = client.get("/staff/providers/?q=HANDSUP").get_data(as_text=True)
    assert "Hands Up Interpreting" in by_email and "Clear Captions" not in by_email
    assert "1 provider matching “HANDSUP”" in by_email
    by_phone = client.get("/staff/providers/?q=496").get_data(as_text=True)
    assert "Clear Captions" in by_phone and "Big Print" not in by_phone
    by_kind = client.get("/staff/providers/?kind=print_braille").get_data(as_text=True)
    assert "Big Print Co" in by_kind and "Hands Up" not in by_kind
    nothing = client.get("/staff/providers/?q=%25_%5C").get_data(as_text=True)  # %_\ literal
    assert "No provider matches" in nothing
    odd = client.get("/staff/providers/?kind=nonsense&q=" + "x" * 500)
    assert odd.status_code == 200  # unreadable filters mean "any"; long text is cut


def test_the_list_is_split_into_pages_that_keep_the_filters(client, staff):
    for number in range(PER_PAGE + 3):
        provider(f"Interpreter {number:02d}")
    sign_in(client, staff)
    first = client.get("/staff/providers/?kind=sign_language").get_data(as_text=True)
    assert f"{PER_PAGE + 3} providers" in first
    assert "Interpreter 00" in first and f"Interpreter {PER_PAGE:02d}" not in first
    assert "page=2" in first and "kind=sign_language" in first
    second = client.get("/staff/providers/?kind=sign_language&page=2").get_data(as_text=True)
    assert f"Interpreter {PER_PAGE + 2:02d}" in second
    beyond = client.get("/staff/providers/?kind=sign_language&page=9")
    assert beyond.status_code == 302 and "page=2" in beyond.location


def test_signed_out_people_are_sent_to_sign_in_and_admins_keep_the_list_too(client, admin):
    for path in ("/staff/providers/", "/staff/providers/new"):
        response = client.get(path)
        assert response.status_code in (302, 303) and "/staff/login" in response.location
    assert client.post("/staff/providers/new", data=GOOD).status_code in (302, 303, 400)
    assert db.session.scalar(select(Provider.id)) is None
    sign_in(client, admin)
    assert client.post("/staff/providers/new", data=GOOD).status_code == 303
