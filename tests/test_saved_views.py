"""Saved views of the staff queue (issue 13): saving the current filters from the queue page,
refusals beside the field (422, what was typed kept), the cap, the counts in the navigation and
what they cost, private against shared views, and deleting (own only; admins the shared ones)."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import func, select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.triage.models import SavedView
from accessreq.triage.saved_queue import MAX_VIEWS, filters_of
from helpers import count_statements, sign_in


def views_named(*names: str) -> list[SavedView]:
    return list(db.session.scalars(select(SavedView).where(SavedView.name.in_(names))))


def save(client, name: str, query: str = "status=all", **extra):
    return client.post("/staff/views", data={"view-name": name, "view-query": query, **extra})


def nav(html: str) -> str:
    """The saved views' navigation of the queue page."""
    found = re.search(r'<nav class="queue-bar" aria-label="Saved views">(.*?)</nav>', html, re.S)
    return found.group(1) if found else ""


def test_the_save_form_shows_only_when_the_queue_is_filtered(signed_in):
    assert "Save this view" not in signed_in.get("/staff/").get_data(as_text=True)
    html = signed_in.get("/staff/?status=all&q=sam").get_data(as_text=True)
    assert "Save this view" in html
    assert 'value="q=sam&amp;status=all"' in html or 'value="status=all&amp;q=sam"' in html


def test_saving_stores_only_the_queue_query_and_returns_to_it(signed_in, staff):
    response = save(signed_in, "Mine, any status", "assignee=mine&status=all&page=4&junk=1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/?status=all&assignee=mine")
    (view,) = views_named("Mine, any status")
    assert (view.owner_id, view.shared, view.query) == (staff.id, False,
                                                       "status=all&assignee=mine")
    html = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved the view “Mine, any status” for you." in html
    assert 'aria-current="true"><strong>Mine, any status (0)</strong>' in nav(html)


@pytest.mark.parametrize("name, message", [
    ("   ", "Give the view a name"),
    ("x" * 81, "The name must be 80 characters or fewer"),
])
def test_a_bad_name_comes_back_beside_the_field_with_what_was_typed(signed_in, name, message):
    response = save(signed_in, name, "q=sam")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count(message) == 2  # the summary and beside the field
    assert 'id="view-name-error"' in html and 'aria-invalid="true"' in html
    assert "<title>Error: " in html
    assert f'value="{name.strip()}"' in html or 'value=""' in html
    assert 'name="view-query" type="hidden" value="q=sam"' in html
    assert db.session.scalar(select(func.count(SavedView.id))) == 0


def test_a_duplicate_name_is_refused_whatever_its_case(signed_in):
    assert save(signed_in, "Late ones").status_code == 303
    response = save(signed_in, "late ONES", "q=late")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You already have a view called “late ONES”: choose another name" in html
    assert 'value="late ONES"' in html
    assert db.session.scalar(select(func.count(SavedView.id))) == 1


def test_the_default_queue_cannot_be_saved(signed_in):
    response = save(signed_in, "Everything", "")
    assert response.status_code == 422
    assert "choose some filters to save first" in response.get_data(as_text=True)


def test_one_person_keeps_at_most_twelve_views(signed_in):
    for n in range(MAX_VIEWS):
        assert save(signed_in, f"View {n}", f"q=v{n}").status_code == 303
    response = save(signed_in, "One more", "q=more")
    assert response.status_code == 422
    assert (f"You have {MAX_VIEWS} saved views, the most one person can keep. Delete one on "
            "Manage views to save this one") in response.get_data(as_text=True)


def test_a_tampered_query_is_parsed_again_and_falls_back(signed_in, staff):
    db.session.add(SavedView(owner_id=staff.id, name="Odd", query="status=nope&event=-3&q=ab"))
    db.session.commit()
    assert filters_of("status=nope&event=-3&q=ab").query_args() == {"q": "ab"}
    html = signed_in.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/?q=ab">Odd (0)</a>' in nav(html)


def test_each_view_shows_its_count_of_matching_requests(signed_in, staff, make_request,
                                                         make_event):
    lecture, talk = make_event(title="Lecture"), make_event(title="Talk")
    for _ in range(3):
        make_request(event=lecture)
    make_request(event=talk, contact_name="Robin Reader")
    save(signed_in, "Lecture", f"event={lecture.id}")
    save(signed_in, "Robin", "q=robin")
    links = nav(signed_in.get("/staff/").get_data(as_text=True))
    assert f'href="/staff/?event={lecture.id}">Lecture (3)</a>' in links
    assert 'href="/staff/?q=robin">Robin (1)</a>' in links


def test_private_views_are_their_owners_alone(client, make_staff):
    casey, bea = make_staff(name="Casey"), make_staff(name="Bea")
    sign_in(client, casey)
    save(client, "Casey's private", "q=casey")
    sign_in(client, bea)
    assert "Casey's private" not in client.get("/staff/").get_data(as_text=True)
    assert "Casey's private" not in client.get("/staff/views").get_data(as_text=True)
    (view,) = views_named("Casey's private")
    assert client.post(f"/staff/views/{view.id}/delete").status_code == 404
    assert views_named("Casey's private")


def test_an_admin_shares_a_view_with_everyone(client, make_staff):
    admin, casey = make_staff(Role.ADMIN), make_staff()
    sign_in(client, admin)
    assert 'Share with every staff member' in client.get("/staff/?q=x").get_data(as_text=True)
    assert save(client, "Needs outcome", "outcome=1&status=all",
                **{"view-shared": "y"}).status_code == 303
    (view,) = views_named("Needs outcome")
    assert (view.owner_id, view.shared) == (None, True)
    sign_in(client, casey)
    html = client.get("/staff/").get_data(as_text=True)
    assert "Shared views:" in html and "Needs outcome (0)" in nav(html)
    assert "Share with every staff member" not in client.get("/staff/?q=x").get_data(as_text=True)
    # A coordinator ticking the box anyway saves a view for themselves alone.
    save(client, "Tried to share", "q=y", **{"view-shared": "y"})
    (own,) = views_named("Tried to share")
    assert (own.owner_id, own.shared) == (casey.id, False)
    # Only admins delete shared views; a coordinator's manage page does not list them.
    assert "Needs outcome" not in client.get("/staff/views").get_data(as_text=True)
    assert client.post(f"/staff/views/{view.id}/delete").status_code == 403
    sign_in(client, admin)
    assert "Needs outcome" in client.get("/staff/views").get_data(as_text=True)
    assert client.post(f"/staff/views/{view.id}/delete").status_code == 303
    assert not views_named("Needs outcome")


def test_the_manage_page_lists_and_deletes_own_views(signed_in):
    html = signed_in.get("/staff/views").get_data(as_text=True)
    assert "You have no saved views yet." in html
    save(signed_in, "Mine", "assignee=mine")
    html = signed_in.get("/staff/views").get_data(as_text=True)
    assert 'href="/staff/?assignee=mine">Mine</a>' in html
    (view,) = views_named("Mine")
    response = signed_in.post(f"/staff/views/{view.id}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/views")
    assert "Deleted the view “Mine”." in signed_in.get("/staff/views").get_data(as_text=True)
    assert not views_named("Mine")


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_saving_and_deleting_need_the_csrf_token(signed_in, staff):
    assert save(signed_in, "No token", "q=x").status_code == 400
    view = SavedView(owner_id=staff.id, name="Kept", query="q=k")
    db.session.add(view)
    db.session.commit()
    assert signed_in.post(f"/staff/views/{view.id}/delete").status_code == 400
    assert {v.name for v in db.session.scalars(select(SavedView))} == {"Kept"}


def test_the_queue_counts_all_views_in_one_statement(signed_in, staff, make_request):
    """With views the queue costs one statement more than without, for one view or twelve."""
    make_request()

    def measure() -> int:
        db.session.remove()
        g.pop("_login_user", None)
        with count_statements() as statements:
            assert signed_in.get("/staff/?status=all").status_code == 200
        return len(statements)

    none = measure()
    save(signed_in, "View 0", "q=v0")
    one = measure()
    for n in range(1, MAX_VIEWS):
        save(signed_in, f"View {n}", f"event={n}&status=all")
    twelve = measure()
    assert one == twelve == none + 1



def test_the_database_keeps_names_apart_among_shared_views_too(make_staff):
    """The race the service's own check cannot see: two tabs saving one name at once."""
    from sqlalchemy.exc import IntegrityError

    owner = make_staff()
    pairs = ((dict(owner_id=None, shared=True, name="Late"),
              dict(owner_id=None, shared=True, name="Late")),
             (dict(owner_id=owner.id, name="Mine"), dict(owner_id=owner.id, name="Mine")))
    for first, second in pairs:
        db.session.add(SavedView(query="status=all", **first))
        db.session.commit()
        db.session.add(SavedView(query="status=all", **second))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    # Another owner, or a shared view, may use a name someone already has.
    db.session.add(SavedView(query="status=all", owner_id=make_staff().id, name="Mine"))
    db.session.commit()
