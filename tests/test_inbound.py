"""Email in (issue 11, first slice): storing, classifying and matching one message, the pipe's
exit codes, and the threading headers of the mail we send (through a real SMTP server)."""

from __future__ import annotations

import base64
import functools
import os
import subprocess
import sys
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.inbound import services as inbound_services
from accessreq.inbound.attachments import DEFAULT_MAX_BYTES
from accessreq.inbound.models import InboundMessage, InboundOutcome
from accessreq.inbound.services import store_message
from accessreq.notifications.addresses import (reply_address, reply_token,
                                               request_id_from_token)
from accessreq.notifications.models import OutgoingEmail
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.services import cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status
from helpers import text_body

CORPUS_DIR = Path(__file__).parent / "data" / "mail"
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.app_config(INBOUND_PLUS_ADDRESSING=True,
                                    MAIL_DEFAULT_SENDER="Access team <access@example.org>")

# file, outcome, whether it lands on the request, a line its trimmed text must have (and
# one it must not, the quoted text).
CORPUS = [
    ("gmail_reply_en.eml", InboundOutcome.MATCHED, True,
     "Yes, I would like an interpreter for the whole evening", "question about your request"),
    ("outlook_reply_de.eml", InboundOutcome.MATCHED, True,
     "ich benötige einen Platz in der Nähe der Bühne", "question about your request"),
    ("apple_mail_bottom_reply_en.eml", InboundOutcome.MATCHED, True,
     "we need two seats together", "We have your access request"),
    ("html_only_reply_address.eml", InboundOutcome.MATCHED, True,
     "I can also read large print & would like the slides", "never run"),
    ("latin1_base64_subject_reference.eml", InboundOutcome.MATCHED, True,
     "Je préfère recevoir les documents à l'avance", None),
    ("out_of_office.eml", InboundOutcome.AUTO_REPLY, True, "out of the office", None),
    ("dsn_bounce.eml", InboundOutcome.BOUNCE, True, None, None),
    ("attachment_unmatched.eml", InboundOutcome.UNMATCHED, False, "I attach the list", None),
    ("attachments_over_limit_reply.eml", InboundOutcome.MATCHED, True,
     "photo of where I usually sit", "Could you tell us where"),
    ("no_message_id.eml", InboundOutcome.UNMATCHED, False, "captions", None),
    ("broken_mime.eml", InboundOutcome.UNREADABLE, False, None, None),
    ("stranger_forged_reference.eml", InboundOutcome.UNMATCHED, False, None, None),
    ("mailing_list.eml", InboundOutcome.REFUSED, False, None, None),
]


@pytest.fixture
def waiting(make_request, staff):
    """A request staff asked a question about (needs information), with its emails queued."""
    access_request, _ = make_request(contact_email="sam@example.net")
    change_status(access_request, staff, RequestStatus.NEEDS_INFO, message="Which language?")
    return access_request


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def last_attendee_email(access_request: AccessRequest) -> OutgoingEmail:
    return db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.request_id == access_request.id,
        OutgoingEmail.to_address == access_request.contact_email)
        .order_by(OutgoingEmail.id.desc())).first()


def corpus_message(name: str, access_request: AccessRequest, **replace) -> bytes:
    values = {"OUR_MESSAGE_ID": last_attendee_email(access_request).message_id,
              "REFERENCE": access_request.reference, "CONTACT": access_request.contact_email,
              "REPLY_ADDRESS": reply_address(access_request.id), **replace}
    raw = (CORPUS_DIR / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    if b"{{OVER_LIMIT_PDF}}" in raw:
        raw = raw.replace(b"{{OVER_LIMIT_PDF}}", over_limit_pdf_base64())
    return raw


@functools.cache
def over_limit_pdf_base64() -> bytes:
    """A PDF one byte over the default attachment limit, base64 in 76-character lines (too
    large to keep in the corpus itself)."""
    content = b"%PDF-1.4\n" + b"%" * (DEFAULT_MAX_BYTES + 1 - len(b"%PDF-1.4\n"))
    return base64.encodebytes(content).replace(b"\n", b"\r\n").rstrip()


def simple_mail(*, sender="sam@example.net", to="access@example.org", subject="Hello",
                headers: str = "", body="A few words.", message_id="<simple-1@example.net>"):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def stored(result) -> InboundMessage:
    return db.session.get(InboundMessage, result.message_id)


@pytest.mark.parametrize(("name", "outcome", "attached", "kept", "trimmed"), CORPUS,
                         ids=[c[0] for c in CORPUS])
def test_every_corpus_message_is_stored_with_its_outcome(waiting, name, outcome, attached, kept,
                                                         trimmed):
    raw = corpus_message(name, waiting)
    result = store_message(raw, source="pipe")
    assert (result.outcome, result.duplicate) == (outcome.value, False)
    row = stored(result)
    dropped = [a for a in row.attachments if not a["kept"]]
    # The full original, byte for byte, unless files that are not kept were cut out of it.
    assert (row.raw == raw) is not bool(dropped)
    assert row.request_id == (waiting.id if attached else None)
    if kept:
        assert kept in row.reply_text
    if trimmed:
        assert trimmed not in row.reply_text
        assert trimmed in row.body_text or "never run" == trimmed


def test_a_reply_becomes_an_attendee_message_moves_the_request_and_tells_the_team(waiting):
    before = db.session.scalar(select(func.count(OutgoingEmail.id)))
    result = store_message(corpus_message("gmail_reply_en.eml", waiting), source="imap",
                           mailbox="INBOX", uidvalidity=7, uid=42)
    access_request = fresh(waiting)
    assert access_request.status == RequestStatus.IN_REVIEW
    assert access_request.attendee_waiting_since is not None  # the queue's "Attendee replied"
    message = [e for e in access_request.history if e.kind == HistoryKind.ATTENDEE_MESSAGE][-1]
    assert message.inbound_id == result.message_id
    assert message.body.startswith("Hello,\n\nYes, I would like an interpreter")
    assert "wrote:" not in message.body and "> " not in message.body
    [notice] = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.id > 0)
                                  .order_by(OutgoingEmail.id.desc()).limit(1))
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == before + 1
    assert notice.template == "staff_attendee_message"
    assert "interpreter" not in notice.body_text  # the notice carries no content
    row = stored(result)
    assert (row.mailbox, row.uidvalidity, row.uid) == ("INBOX", 7, 42)
    assert row.dedupe_key == "caf3g7xqm2p0gmail-reply-en@mail.gmail.com"


def test_the_same_message_twice_is_stored_once(waiting):
    raw = corpus_message("gmail_reply_en.eml", waiting)
    first = store_message(raw, source="imap")
    second = store_message(raw, source="pipe")
    assert second.duplicate and second.message_id == first.message_id
    assert second.outcome == InboundOutcome.MATCHED.value
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 1
    messages = [e for e in fresh(waiting).history if e.kind == HistoryKind.ATTENDEE_MESSAGE]
    assert len(messages) == 1


def test_without_a_message_id_the_raw_bytes_decide(app):
    raw = (CORPUS_DIR / "no_message_id.eml").read_bytes()
    first, again = store_message(raw, source="pipe"), store_message(raw, source="pipe")
    assert again.duplicate and stored(first).dedupe_key.startswith("sha256:")
    other = store_message(raw.replace(b"Kim", b"Kit"), source="pipe")
    assert not other.duplicate


def test_a_race_lost_at_the_unique_key_rolls_back_and_reports_a_duplicate(waiting, monkeypatch):
    """Two processes both see no row, both insert: the database's unique key lets one win."""
    raw = corpus_message("gmail_reply_en.eml", waiting)
    winner = store_message(raw, source="imap")
    looked = []
    real = inbound_services._stored_id

    def not_yet_committed(key):  # what the loser saw before the winner committed
        looked.append(key)
        return None if len(looked) == 1 else real(key)

    monkeypatch.setattr(inbound_services, "_stored_id", not_yet_committed)
    loser = store_message(raw, source="imap")
    assert loser.duplicate and loser.message_id == winner.message_id
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 1
    assert len([e for e in fresh(waiting).history if e.kind == HistoryKind.ATTENDEE_MESSAGE]) == 1


def test_matching_prefers_our_message_ids_then_the_reply_address_then_the_subject(
        make_request, staff):
    first, _ = make_request(contact_email="sam@example.net")
    second, _ = make_request(contact_email="sam@example.net")
    third, _ = make_request(contact_email="sam@example.net")
    ours = last_attendee_email(first).message_id
    by_headers = store_message(simple_mail(
        to=reply_address(second.id), subject=f"Re: [{third.reference}]", message_id="<m1@x>",
        headers=f"In-Reply-To: {ours}\r\n"), source="pipe")
    by_address = store_message(simple_mail(
        to=reply_address(second.id), subject=f"Re: [{third.reference}]", message_id="<m2@x>"),
        source="pipe")
    by_subject = store_message(simple_mail(
        sender="SAM@Example.NET", subject=f"About {third.reference.lower()}",
        message_id="<m3@x>"), source="pipe")
    assert [stored(r).request_id for r in (by_headers, by_address, by_subject)] == [
        first.id, second.id, third.id]


def test_a_strangers_mail_with_a_real_reference_is_not_attached(waiting):
    before = len(waiting.history)
    result = store_message(corpus_message("stranger_forged_reference.eml", waiting), source="pipe")
    access_request = fresh(waiting)
    assert result.outcome == InboundOutcome.UNMATCHED.value
    assert stored(result).request_id is None
    assert access_request.status == RequestStatus.NEEDS_INFO
    assert len(access_request.history) == before


def test_a_forged_or_foreign_reply_address_matches_nothing(waiting):
    token = reply_token(waiting.id)
    assert request_id_from_token(token) == waiting.id
    assert request_id_from_token(token.upper()) == waiting.id  # mail systems may change case
    forged = f"r{waiting.id + 1}-{token.split('-', 1)[1]}"
    assert request_id_from_token(forged) is None
    result = store_message(simple_mail(sender="x@example.com", to=f"access+{forged}@example.org"),
                           source="pipe")
    assert result.outcome == InboundOutcome.UNMATCHED.value


def test_an_out_of_office_reply_changes_nothing_and_tells_no_one(waiting):
    emails = db.session.scalar(select(func.count(OutgoingEmail.id)))
    result = store_message(corpus_message("out_of_office.eml", waiting), source="pipe")
    access_request = fresh(waiting)
    assert result.outcome == InboundOutcome.AUTO_REPLY.value
    assert access_request.status == RequestStatus.NEEDS_INFO
    assert access_request.attendee_waiting_since is None
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == emails
    entry = access_request.history[-1]
    assert entry.kind == HistoryKind.AUTO_REPLY and not entry.is_public
    assert entry.inbound_id == result.message_id


def test_a_bounce_marks_the_outbox_row_and_warns_staff_on_the_request(waiting):
    ours = last_attendee_email(waiting)
    emails = db.session.scalar(select(func.count(OutgoingEmail.id)))
    result = store_message(corpus_message("dsn_bounce.eml", waiting), source="pipe")
    access_request = fresh(waiting)
    assert result.outcome == InboundOutcome.BOUNCE.value
    assert db.session.get(OutgoingEmail, ours.id).bounced_at is not None
    entry = access_request.history[-1]
    assert entry.kind == HistoryKind.EMAIL_BOUNCED and not entry.is_public
    assert entry.body.startswith("The attendee's address bounced: sam@example.net")
    assert "550 5.1.1" in entry.body and entry.email_id == ours.id
    assert access_request.status == RequestStatus.NEEDS_INFO
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == emails  # no reply


@pytest.mark.parametrize("headers", [
    "Auto-Submitted: auto-generated\r\n", "Precedence: bulk\r\n", "Precedence: junk\r\n",
    "List-Id: <x.lists.example.org>\r\n"])
def test_automatic_and_bulk_mail_is_refused_even_when_it_would_match(waiting, headers):
    ours = last_attendee_email(waiting).message_id
    result = store_message(simple_mail(headers=f"In-Reply-To: {ours}\r\n{headers}"),
                           source="pipe")
    assert result.outcome == InboundOutcome.REFUSED.value
    assert stored(result).request_id is None
    assert fresh(waiting).status == RequestStatus.NEEDS_INFO


@pytest.mark.parametrize("sender", ["access@example.org", "access+r1-aaaaaaaaaaaaaaaa@example.org",
                                    "access-team@example.org", "MAILER-DAEMON@mx.example.org",
                                    "no-reply@shop.example.com", "postmaster@example.com"])
def test_mail_from_our_own_addresses_and_daemons_is_refused(app, sender):
    result = store_message(simple_mail(sender=sender), source="pipe")
    assert result.outcome == InboundOutcome.REFUSED.value


def test_a_reply_to_a_closed_request_is_kept_and_the_team_told(waiting):
    cancel_by_attendee(waiting, "No longer coming")
    result = store_message(corpus_message("gmail_reply_en.eml", waiting), source="pipe")
    access_request = fresh(waiting)
    assert result.outcome == InboundOutcome.NOT_ACTIONED.value
    assert access_request.status == RequestStatus.CANCELLED
    entry = [e for e in access_request.history if e.kind == HistoryKind.EMAIL_NOT_ACTIONED][-1]
    assert "interpreter for the whole evening" in entry.body
    assert entry.inbound_id == result.message_id
    assert last_attendee_email(access_request).template == "attendee_update"
    notice = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id.desc())).first()
    assert notice.template == "staff_attendee_message"


def test_nothing_but_garbage_is_kept_as_unreadable(app):
    result = store_message(b"\x00\x01\xfe garbage \xff" * 30, source="pipe")
    assert result.not_mail and result.outcome == InboundOutcome.UNREADABLE.value
    assert stored(result).raw.startswith(b"\x00\x01")


def test_outbound_mail_is_threaded_with_a_signed_reply_address(waiting, smtp_server):
    assert send_due_emails().dead == 0
    confirmation, update = smtp_server.to("sam@example.net")
    reference = f"[{waiting.reference}]"
    assert reference in confirmation["Subject"] and reference in update["Subject"]
    for message in (confirmation, update):
        assert message["Auto-Submitted"] == "auto-generated"
        assert parseaddr(message["Reply-To"])[1] == f"access+{reply_token(waiting.id)}@example.org"
    assert confirmation["In-Reply-To"] is None
    assert update["In-Reply-To"] == confirmation["Message-ID"]
    assert update["References"] == confirmation["Message-ID"]
    # Staff notices go to the team: no attendee Reply-To, no thread of the attendee's.
    [notice] = [m for m in smtp_server.messages if "new access request" in m["Subject"].lower()]
    assert notice["Reply-To"] is None
    # The attendee's program replies to what it received: the reply lands on the request.
    reply = (f"From: Sam <sam@example.net>\r\nTo: {update['Reply-To']}\r\n"
             f"Subject: Re: {update['Subject']}\r\nMessage-ID: <reply-9@example.net>\r\n"
             f"In-Reply-To: {update['Message-ID']}\r\n\r\nGerman sign language, please.\r\n"
             f"\r\nOn Tue, Access team wrote:\r\n> {text_body(update).splitlines()[0]}\r\n")
    result = store_message(reply.encode(), source="catcher")
    assert result.outcome == InboundOutcome.MATCHED.value
    assert fresh(waiting).history[-3].body == "German sign language, please."


@pytest.mark.app_config(INBOUND_PLUS_ADDRESSING=False, INBOUND_REPLY_ADDRESS="desk@example.org")
def test_without_plus_addressing_replies_go_to_the_plain_access_address(waiting, smtp_server):
    send_due_emails()
    for message in smtp_server.to("sam@example.net"):
        assert message["Reply-To"] == "desk@example.org"


# --- the pipe: flask mail ingest ----------------------------------------------------------


def test_the_pipe_stores_a_message_and_exits_0(runner, waiting):
    raw = corpus_message("gmail_reply_en.eml", waiting)
    result = runner.invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code == 0, result.output
    assert "Stored as message" in result.output
    again = runner.invoke(args=["mail", "ingest"], input=raw)
    assert again.exit_code == 0 and "Already stored" in again.output
    assert fresh(waiting).status == RequestStatus.IN_REVIEW


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02\xff" * 50], ids=["empty", "binary"])
def test_the_pipe_exits_65_for_what_is_not_mail(runner, raw):
    result = runner.invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code == 65
    assert "not an email" in result.output
    kept = db.session.scalar(select(func.count(InboundMessage.id)))
    assert kept == (1 if raw else 0)  # garbage is kept for an admin; nothing is nothing


@pytest.mark.slow  # starts a process
def test_the_pipe_exits_75_without_a_traceback_when_the_database_is_down(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
           "SECRET_KEY": "x" * 40, "FLASK_SKIP_DOTENV": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "accessreq", "mail", "ingest"],
        input=(CORPUS_DIR / "no_message_id.eml").read_bytes(), cwd=ROOT, env=env,
        capture_output=True, timeout=60, check=False)
    assert result.returncode == 75, result.stderr
    assert b"Traceback" not in result.stderr + result.stdout
    assert b"try again later" in result.stderr


def test_corpus_messages_parse_as_mail_for_a_mail_program_too():
    """The corpus is real RFC 5322 text: the standard parser finds a sender in each."""
    for path in CORPUS_DIR.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert message["From"], path.name


def test_the_retention_purge_deletes_stored_email_with_its_request_and_old_unmatched_mail(
        waiting):
    from datetime import timedelta

    from accessreq.retention import due_for_purge, purge_everything
    from accessreq.timeutil import utcnow

    on_request = store_message(corpus_message("gmail_reply_en.eml", waiting), source="pipe")
    unmatched = store_message(corpus_message("no_message_id.eml", waiting), source="pipe")
    assert due_for_purge(utcnow()).inbound_messages == 0
    later = waiting.event.ends_at + timedelta(days=91)
    due = due_for_purge(later)
    assert due.inbound_messages == 2 and due.requests == 1
    assert purge_everything(later) == due
    db.session.expire_all()
    assert db.session.get(InboundMessage, on_request.message_id) is None
    assert db.session.get(InboundMessage, unmatched.message_id) is None
    assert all(not e.body for e in fresh(waiting).history if e.kind != HistoryKind.PURGED)


def test_two_processes_storing_one_message_at_once_store_it_once(app, waiting, monkeypatch):
    """Two workers (threads with their own sessions and connections) both look, find nothing,
    and insert at the same moment: the unique key lets exactly one row in."""
    import threading

    raw = corpus_message("gmail_reply_en.eml", waiting)
    both_looked = threading.Barrier(2, timeout=30)
    real = inbound_services._stored_id

    def look_then_wait(key):
        found = real(key)
        if found is None:
            try:
                both_looked.wait()
            except threading.BrokenBarrierError:
                pass
        return found

    monkeypatch.setattr(inbound_services, "_stored_id", look_then_wait)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                results.append(store_message(raw, source="imap"))
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(r.duplicate for r in results) == [False, True]
    assert len({r.message_id for r in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 1
    assert len([e for e in fresh(waiting).history if e.kind == HistoryKind.ATTENDEE_MESSAGE]) == 1


def test_the_outbox_page_says_a_sent_email_bounced(waiting, admin_client, smtp_server):
    send_due_emails()
    store_message(corpus_message("dsn_bounce.eml", waiting), source="pipe")
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    assert page.count("the address does not work") == 1


def test_threading_headers_are_the_same_when_built_at_send_time_and_when_sent_again(
        waiting, smtp_server, staff):
    """The headers live on the outbox row: a row without built bytes (built at send time) and
    a message built afresh by Send again carry them as a row built when queued does."""
    from accessreq.notifications.rebuild import send_again

    update = last_attendee_email(waiting)
    assert update.template == "attendee_update" and update.reply_to and update.thread_references
    update.mime = None  # as rows queued before the bytes were built at queue time
    db.session.commit()
    send_due_emails()
    [confirmation, sent_update] = smtp_server.to("sam@example.net")
    assert sent_update["Message-ID"] == update.message_id
    assert sent_update["In-Reply-To"] == confirmation["Message-ID"]
    assert parseaddr(sent_update["Reply-To"])[1] == update.reply_to
    assert sent_update["Auto-Submitted"] == "auto-generated"

    again = send_again(db.session.get(OutgoingEmail, update.id), staff)
    send_due_emails()
    resent = [m for m in smtp_server.to("sam@example.net")
              if m["Message-ID"] == again.message_id][0]
    assert resent["References"].split() == [confirmation["Message-ID"], update.message_id]
    assert resent["In-Reply-To"] == update.message_id
    assert parseaddr(resent["Reply-To"])[1] == update.reply_to


def test_email_on_a_purged_request_leaves_no_text_in_its_history(waiting):
    from datetime import timedelta

    from accessreq.requests.services import purge_expired

    purge_expired(waiting.event.ends_at + timedelta(days=91))
    access_request = fresh(waiting)
    result = store_message(corpus_message("gmail_reply_en.eml", waiting,
                                          CONTACT="sam@example.net"), source="pipe")
    assert result.outcome == InboundOutcome.NOT_ACTIONED.value
    entry = fresh(access_request).history[-2]
    assert entry.kind == HistoryKind.EMAIL_NOT_ACTIONED and entry.body == ""


def test_a_message_our_code_cannot_handle_is_kept_as_unreadable_and_the_next_goes_on(
        waiting, monkeypatch):
    def broken(_parsed):
        raise RuntimeError("a bug met an odd message")

    monkeypatch.setattr(inbound_services, "match_request", broken)
    raw = corpus_message("gmail_reply_en.eml", waiting)
    result = store_message(raw, source="imap")
    row = stored(result)
    assert result.outcome == InboundOutcome.UNREADABLE.value and row.raw == raw
    assert "RuntimeError" in row.reason
    assert fresh(waiting).status == RequestStatus.NEEDS_INFO
    monkeypatch.undo()
    assert store_message(corpus_message("no_message_id.eml", waiting),
                         source="imap").outcome == InboundOutcome.UNMATCHED.value


def test_staff_see_email_in_on_the_request_page_and_the_attendee_sees_only_their_message(
        make_request, staff, signed_in, client):
    from flask import url_for

    access_request, status_url = make_request(contact_email="sam@example.net")
    change_status(access_request, staff, RequestStatus.NEEDS_INFO, message="Which language?")
    for name in ("gmail_reply_en.eml", "out_of_office.eml", "dsn_bounce.eml"):
        store_message(corpus_message(name, access_request), source="pipe")
    with client.application.test_request_context():
        detail = url_for("triage.detail", request_id=access_request.id)
    page = client.get(detail).get_data(as_text=True)
    assert "Message from the attendee (by email)" in page
    assert "Automatic reply from the attendee's mail (out of office)" in page
    assert "The attendee&#39;s address bounced: sam@example.net" in page
    assert "wrote:" not in page  # the quoted text is trimmed for display
    public = client.get(status_url).get_data(as_text=True)
    assert "Yes, I would like an interpreter" in public
    assert "bounced" not in public and "out of the office" not in public
