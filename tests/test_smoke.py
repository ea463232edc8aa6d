from accessreq.notifications.models import OutgoingEmail
from accessreq.extensions import db
from sqlalchemy import select


def test_submit_queues_two_emails(make_request):
    request, url = make_request()
    assert request.reference.startswith("AR-")
    rows = db.session.scalars(select(OutgoingEmail)).all()
    assert {r.template for r in rows} == {"request_received", "staff_new_request"}
