"""Staff record a request that came by phone, email, in person, video relay or letter: the
same submission as the public form (routed, counted, shown), with who recorded it and how."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests import counts
from accessreq.requests.models import (AccessRequest, ContactChannel, HistoryKind, ReceivedVia)
from accessreq.requests.services import RequestActionError, Submission
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, RoutingRule, Team
from accessreq.timeutil import utcnow
from accessreq.triage import services
from accessreq.triage.services import change_status, reply
from helpers import cover_everything, sign_in

URL = "/staff/requests/new"


@pytest.fixture
def world(app, make_type, make_event, make_staff):
    """One organisation with two teams: sign language goes to Communications access by a rule;
    everything else to Front of house, the default team. Ana is a coordinator in Comms."""
    centre = Organisation(name="Museum Centre")
    comms = Team(organisation=centre, name="Communications access",
                 notification_email="comms@example.org")
    front = Team(organisation=centre, name="Front of house", notification_email="foh@example.org",
                 is_default=True)
    db.session.add_all([centre, comms, front])
    db.session.commit()
    sign = make_type("Sign language", 14, details_label="Which sign language?")
    seat = make_type("Seating", 3)
    db.session.add(RoutingRule(team=comms, accommodation_type=sign, position=1))
    event = make_event("Lecture", types=[sign, seat], organisation=centre)
    ana = make_staff(name="Ana Coordinator")
    comms.members.append(ana)
    db.session.commit()
    return dict(comms=comms, front=front, sign=sign, seat=seat, event=event, ana=ana)


def _submission(world, email: str = "", updates: bool = True, **kwargs) -> Submission:
    return Submission(contact_name="Pat Caller", contact_email=email,
                      contact_channel=kwargs.pop("channel", ContactChannel.PHONE),
                      contact_phone=kwargs.pop("phone", "07700 900 982"),
                      accommodations={world["sign"].id: "BSL"}, consented=True,
                      email_updates=updates, **kwargs)


def _emails(access_request: AccessRequest) -> dict[str, str]:
    rows = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.request_id == access_request.id))
    return {row.template: row.to_address for row in rows}


# --- the service --------------------------------------------------------------------------


def test_a_phone_request_without_email_is_routed_counted_and_says_who_recorded_it(world):
    before = counts.by_team([world["comms"].id]).get((world["comms"].id, RequestStatus.SUBMITTED), 0)
    access_request, status_url = services.record_request(
        world["event"], _submission(world), world["ana"], ReceivedVia.PHONE)
    assert access_request.team == world["comms"]
    assert access_request.received_via == ReceivedVia.PHONE
    assert access_request.contact_email == "" and not access_request.gets_email
    assert counts.by_team([world["comms"].id])[(world["comms"].id, RequestStatus.SUBMITTED)] == before + 1
    submitted = access_request.history[0]
    assert submitted.kind == HistoryKind.SUBMITTED and submitted.actor == world["ana"]
    assert submitted.body == "Recorded by Ana Coordinator from a phone call."
    assert submitted.actor_label == "Ana Coordinator"
    routed = [h for h in access_request.history if h.kind == HistoryKind.ROUTED]
    assert routed[0].body.startswith("Routed to Communications access")
    # No confirmation to the attendee; the team's notice still goes.
    assert _emails(access_request) == {"staff_new_request": "comms@example.org"}
    skipped = [h for h in access_request.history if h.kind == HistoryKind.EMAIL_SKIPPED]
    assert skipped[0].body == ("Confirmation not emailed. No email updates: contact them by "
                               "phone or text message on 07700 900 982.")
    assert status_url.startswith("http")


def test_with_an_email_address_and_updates_wanted_the_confirmation_is_emailed(world):
    access_request, _ = services.record_request(
        world["event"], _submission(world, email="pat@example.net"), world["ana"],
        ReceivedVia.EMAIL)
    assert access_request.gets_email
    assert _emails(access_request) == {"request_received": "pat@example.net",
                                       "staff_new_request": "comms@example.org"}
    assert access_request.history[0].body == "Recorded by Ana Coordinator from an email."
    # Later updates are emailed too.
    change_status(access_request, world["ana"], RequestStatus.IN_REVIEW)
    assert "attendee_update" in _emails(access_request)


def test_with_an_address_but_no_updates_wanted_nothing_goes_to_the_attendee(world):
    access_request, _ = services.record_request(
        world["event"], _submission(world, email="pat@example.net", updates=False,
                                    channel=ContactChannel.VIDEO_RELAY),
        world["ana"], ReceivedVia.VIDEO_RELAY)
    reply(access_request, world["ana"], "We have booked an interpreter.")
    cover_everything(access_request)
    change_status(access_request, world["ana"], RequestStatus.ARRANGED)
    assert set(_emails(access_request)) == {"staff_new_request"}
    skipped = [h.body for h in access_request.history if h.kind == HistoryKind.EMAIL_SKIPPED]
    assert len(skipped) == 3  # the confirmation, the reply and the status change
    assert skipped[1] == ("Update not emailed. No email updates: contact them by video relay "
                          "on 07700 900 982.")


def test_seating_goes_to_the_default_team(world):
    submission = _submission(world)
    submission.accommodations = {world["seat"].id: ""}
    access_request, _ = services.record_request(world["event"], submission, world["ana"],
                                                ReceivedVia.IN_PERSON)
    assert access_request.team == world["front"]
    assert access_request.history[0].body == "Recorded by Ana Coordinator in person."


def test_staff_may_record_for_an_event_closed_to_the_public_but_not_one_that_ended(world, make_event):
    world["event"].requests_open = False
    db.session.commit()
    access_request, _ = services.record_request(world["event"], _submission(world), world["ana"],
                                                ReceivedVia.LETTER)
    assert access_request.reference
    past = make_event("Past", types=[world["sign"]], starts_at=utcnow() - timedelta(days=2))
    with pytest.raises(RequestActionError, match="ended"):
        services.record_request(past, _submission(world), world["ana"], ReceivedVia.LETTER)


def test_the_public_path_still_needs_an_email_address(world):
    from accessreq.requests.services import submit_request
    with pytest.raises(RequestActionError):
        submit_request(world["event"], _submission(world))


def test_a_web_form_request_is_marked_as_such(world, make_request):
    access_request, _ = make_request(world["event"], types=[world["seat"]])
    assert access_request.received_via == ReceivedVia.WEB_FORM
    assert access_request.history[0].actor is None and access_request.history[0].body == ""


# --- the pages ----------------------------------------------------------------------------


def _form(world, **overrides) -> dict:
    data = {"received_via": "phone", "contact_name": "Pat Caller", "contact_email": "",
            "email_updates": "no", "contact_channel": "phone", "contact_phone": "07700 900 982",
            "for_whom": "me", "accommodations": [str(world["sign"].id)],
            f"details_{world['sign'].id}": "BSL", "consent": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_queue_links_to_the_chooser_which_lists_open_and_closed_events(client, world, make_event):
    closed = make_event("Closed talk", types=[world["seat"]], requests_open=False)
    make_event("Ended talk", types=[world["seat"]], starts_at=utcnow() - timedelta(days=3))
    sign_in(client, world["ana"])
    assert 'href="/staff/requests/new"' in client.get("/staff/").get_data(as_text=True)
    html = client.get(URL).get_data(as_text=True)
    assert f'href="/staff/requests/new?event={world["event"].id}"' in html
    assert f'href="/staff/requests/new?event={closed.id}"' in html
    assert "Closed to the public form" in html and "Ended talk" not in html
    form = client.get(f"{URL}?event={world['event'].id}").get_data(as_text=True)
    assert "How did the request come in?" in form and "Do they want email updates?" in form


def test_a_recorded_request_lands_on_its_page_with_the_reference_and_the_link_once(client, world):
    sign_in(client, world["ana"])
    response = client.post(f"{URL}?event={world['event'].id}", data=_form(world))
    access_request = db.session.scalars(select(AccessRequest)).one()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/requests/{access_request.id}"
    with client.session_transaction() as session:  # signed, not secret: the link is sealed
        kept = session["recorded_status_link"]
        assert kept["id"] == access_request.id and "/r/" not in str(kept)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Request {access_request.reference} recorded" in page
    assert "No email updates: contact them by phone or text message on 07700 900 982." in page
    assert "Their private status link" in page and "/r/" in page
    assert "Recorded by Ana Coordinator from a phone call." in page
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Their private status link" not in again  # shown once
    assert "No email updates: contact them by" in again  # near the contact details, always
    # The composer does not promise an email to someone who gets none.
    assert "Not emailed. No email updates: contact them by phone" in again
    assert "Emailed to the attendee and shown on their status page." not in again
    queue = client.get("/staff/").get_data(as_text=True)
    assert access_request.reference in queue


def test_with_email_the_banner_says_the_confirmation_was_emailed(client, world):
    sign_in(client, world["ana"])
    response = client.post(f"{URL}?event={world['event'].id}", data=_form(
        world, received_via="email", contact_email="pat@example.net", email_updates="yes",
        contact_channel="email"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "status link was emailed to pat@example.net" in page
    assert "Their private status link" not in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"received_via": None}, "received_via", "Choose how the request came in"),
    ({"contact_name": ""}, "contact_name", "Enter the name of the person asking"),
    ({"email_updates": "yes"}, "contact_email", "Enter their email address, or choose no email updates"),
    ({"contact_email": "not an address"}, "contact_email", "Enter an email address in the correct format"),
    ({"contact_phone": "", "contact_channel": "email"}, "contact_phone",
     "Enter their phone number, so the team can contact them without email"),
    ({"accommodations": None}, "accommodations", "Choose at least one thing that would help"),
    ({"consent": None}, "consent", "Tick the box to confirm they agreed"),
])
def test_errors_are_shown_beside_the_field_and_what_was_typed_is_kept(client, world, overrides,
                                                                     field, message):
    sign_in(client, world["ana"])
    data = _form(world, anything_else="Row A please", **overrides)
    response = client.post(f"{URL}?event={world['event'].id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert "<title>Error: " in html
    assert "Row A please" in html
    assert db.session.scalar(select(AccessRequest.id)) is None


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for response in (client.get(URL), client.get(f"{URL}?event={world['event'].id}"),
                     client.post(f"{URL}?event={world['event'].id}", data=_form(world))):
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert db.session.scalar(select(AccessRequest.id)) is None


def test_an_admin_can_record_too_and_bad_ids_are_not_found(admin_client, world, make_event):
    assert admin_client.get(URL).status_code == 200
    for bad in ("abc", "0", "99999", "99999999999"):
        assert admin_client.get(f"{URL}?event={bad}").status_code == 404
        assert admin_client.get(f"{URL}?report={bad}").status_code == 404
    ended = make_event("Ended", types=[world["seat"]], starts_at=utcnow() - timedelta(days=3))
    assert admin_client.get(f"{URL}?event={ended.id}").status_code == 404


# --- from a problem report ----------------------------------------------------------------


def test_a_problem_report_becomes_a_request_in_one_step(client, world):
    report = AccessibilityReport(name="Robin Writer", email="robin@example.net",
                                 where="Request form", description="I could not tick BSL.")
    db.session.add(report)
    db.session.commit()
    sign_in(client, world["ana"])
    page = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert f'href="/staff/requests/new?report={report.id}"' in page
    chooser = client.get(f"{URL}?report={report.id}").get_data(as_text=True)
    target = f"{URL}?event={world['event'].id}&amp;report={report.id}"
    assert target in chooser
    form = client.get(target.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Robin Writer"' in form and 'value="robin@example.net"' in form
    assert "From accessibility problem report" in form and "I could not tick BSL." in form
    response = client.post(target.replace("&amp;", "&"), data=_form(
        world, received_via="email", contact_name="Robin Writer",
        contact_email="robin@example.net", email_updates="yes", contact_channel="email",
        anything_else="From accessibility problem report: I could not tick BSL."))
    assert response.status_code == 303
    access_request = db.session.scalars(select(AccessRequest)).one()
    db.session.refresh(report)
    assert report.request_id == access_request.id
    assert access_request.history[0].body == (
        f"Recorded by Ana Coordinator from an email. It came from accessibility problem report "
        f"{report.id}.")
    assert _emails(access_request)["request_received"] == "robin@example.net"
    page = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert "Recorded as request" in page and access_request.reference in page
    assert "Record as a request</a>" not in page
    # The same report cannot become a second request.
    again = client.post(target.replace("&amp;", "&"), data=_form(world))
    assert again.status_code == 422 and "already recorded" in again.get_data(as_text=True)


def test_a_request_routed_to_another_team_leads_back_to_the_queue_with_the_reference(client, world):
    sign_in(client, world["ana"])  # in Communications access; seating goes to Front of house
    data = _form(world, accommodations=[str(world["seat"].id)])
    response = client.post(f"{URL}?event={world['event'].id}", data=data)
    access_request = db.session.scalars(select(AccessRequest)).one()
    assert access_request.team == world["front"]
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    queue = client.get("/staff/").get_data(as_text=True)
    assert f"Request {access_request.reference} recorded" in queue
    assert "It went to Front of house, a team you are not in" in queue


def test_the_attendees_status_page_says_the_team_recorded_it(client, world):
    access_request, status_url = services.record_request(
        world["event"], _submission(world), world["ana"], ReceivedVia.PHONE)
    html = client.get(urlsplit(status_url).path).get_data(as_text=True)
    assert "The access team recorded your request." in html
    assert "Recorded by Ana" not in html  # the staff wording stays on the staff page
    assert "None given" in html  # no email address


def test_staff_choose_the_language_the_attendees_emails_are_written_in(client, world):
    sign_in(client, world["ana"])
    page = client.get(f"{URL}?event={world['event'].id}").get_data(as_text=True)
    english = [tag for tag in page.split("<input")[1:] if 'name="language"' in tag
               and 'value="en"' in tag]
    assert english and "checked" in english[0].split(">")[0]  # English unless staff say
    client.post(f"{URL}?event={world['event'].id}", data=_form(
        world, received_via="email", contact_email="pat@example.net", email_updates="yes",
        contact_channel="email", language="he"))
    recorded = db.session.scalars(select(AccessRequest)).one()
    assert recorded.language == "he"
    confirmation = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received")).one()
    assert 'lang="he" dir="rtl"' in confirmation.body_html
