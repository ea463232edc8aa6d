"""Files attached to incoming email (issue 11): which are kept and which dropped, dropped ones
cut out of the stored email, and kept ones downloaded by staff only — as downloads, logged,
and gone with the email when the retention purge deletes it."""

from __future__ import annotations

import base64
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.inbound import inbox
from accessreq.inbound.attachments import (DEFAULT_MAX_BYTES, AttachmentRules, download_name,
                                           read_back, size_in_words)
from accessreq.inbound.models import InboundLogEntry, InboundMessage
from accessreq.inbound.parsing import parse
from accessreq.inbound.services import store_message
from accessreq.retention import purge_everything
from accessreq.routing.models import Organisation, Team
from helpers import sign_in
from test_inbound import CORPUS_DIR, corpus_message, waiting  # noqa: F401 (a fixture)

PDF = b"%PDF-1.7\n% a letter from the venue\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
DOCX = b"PK\x03\x04" + b"\0" * 40

pytestmark = pytest.mark.app_config(INBOUND_PLUS_ADDRESSING=True,
                                    MAIL_DEFAULT_SENDER="Access team <access@example.org>")


def with_files(*files: tuple[str, str, bytes], text: str = "Please see the attached.",
               message_id: str = "<files-1@example.net>") -> bytes:
    """An email from Robin with the text and the files (name, type, content) attached."""
    message = EmailMessage()
    message["From"], message["To"] = "Robin <robin@example.net>", "access@example.org"
    message["Subject"], message["Message-ID"] = "My documents", message_id
    message.set_content(text)
    for name, kind, content in files:
        main, sub = kind.split("/")
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return message.as_bytes()


def sorted_files(raw: bytes, rules: AttachmentRules | None = None) -> dict[str, dict]:
    return {entry["filename"]: entry for entry in parse(raw, rules).attachments}


# --- which are kept -----------------------------------------------------------------------------


def test_allowed_files_are_kept_and_the_rest_dropped_with_the_reason_in_words():
    files = sorted_files(with_files(
        ("letter.pdf", "application/pdf", PDF),
        ("seat.PNG", "image/png", PNG),
        ("form.docx", "application/octet-stream", DOCX),  # a mail program that did not know
        ("viewer.exe", "application/x-msdownload", b"MZ\x90\0"),
        ("page.html", "text/html", b"<script>alert(1)</script>"),
        ("invoice.pdf.exe", "application/pdf", PDF),
        ("photo.jpg", "image/jpeg", PDF),
    ))
    assert files["letter.pdf"]["kept"] and files["letter.pdf"]["content_type"] == "application/pdf"
    assert files["seat.PNG"]["kept"]
    assert files["form.docx"]["kept"] and files["form.docx"]["content_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert files["viewer.exe"]["why_not"] == (
        "files of this type (application/x-msdownload) are not accepted")
    assert "are not accepted" in files["page.html"]["why_not"]
    assert files["invoice.pdf.exe"]["why_not"] == (
        "its name ends in .exe, which does not fit its type (application/pdf)")
    assert files["photo.jpg"]["why_not"] == "its content is not a image/jpeg file, as its type says"
    assert all(not entry["kept"] for name, entry in files.items()
               if name not in ("letter.pdf", "seat.PNG", "form.docx"))


def test_the_limit_and_the_types_come_from_the_configuration():
    raw = with_files(("letter.pdf", "application/pdf", PDF + b"x" * 2000),
                     ("notes.txt", "text/plain", b"Row 3, please."))
    strict = AttachmentRules.from_config({"INBOUND_ATTACHMENT_MAX_BYTES": 1024,
                                          "INBOUND_ATTACHMENT_TYPES": "text/plain, image/png"})
    files = sorted_files(raw, strict)
    assert files["letter.pdf"]["why_not"] == "files of this type (application/pdf) are not accepted"
    assert files["notes.txt"]["kept"]
    roomy = AttachmentRules.from_config({"INBOUND_ATTACHMENT_MAX_BYTES": 1024,
                                         "INBOUND_ATTACHMENT_TYPES": ""})  # "": the defaults
    assert sorted_files(raw, roomy)["letter.pdf"]["why_not"] == (
        "larger than the 1 kB limit")


def test_body_text_alternatives_and_delivery_report_parts_are_not_attachments():
    message = EmailMessage()
    message["From"], message["Subject"] = "sam@example.net", "Hello"
    message.set_content("Plain words.")
    message.add_alternative("<p>Plain words.</p>", subtype="html")
    assert parse(message.as_bytes()).attachments == []
    bounce = (CORPUS_DIR / "dsn_bounce.eml").read_bytes()
    assert parse(bounce).attachments == []


def test_a_forwarded_email_is_one_attachment_and_not_kept_by_default():
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "venue@example.com", "Your seat"
    inner.set_content("Row 3.")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "sam@example.net", "Fwd: Your seat"
    outer.set_content("See below.")
    outer.add_attachment(inner)
    [entry] = parse(outer.as_bytes()).attachments
    assert entry["content_type"] == "message/rfc822" and not entry["kept"]


# --- dropped files are cut out; kept ones read back ---------------------------------------------


def test_dropped_files_are_cut_out_of_the_stored_email_and_kept_ones_read_back_exactly():
    secret = b"MZ\x90\0 the program's bytes"
    raw = with_files(("letter.pdf", "application/pdf", PDF), ("viewer.exe",
                     "application/x-msdownload", secret))
    parsed = parse(raw)
    assert base64.b64encode(secret) in raw
    assert base64.b64encode(secret) not in parsed.raw and secret not in parsed.raw
    stored = message_from_bytes(parsed.raw, policy=policy.default)
    assert stored["Message-ID"] == "<files-1@example.net>"
    assert stored.get_body(("plain",)).get_content().strip() == "Please see the attached."
    [note] = [part for part in stored.iter_attachments()
              if part.get_filename() == "removed-by-accessreq.txt"]
    assert "viewer.exe (application/x-msdownload): files of this type" in note.get_content()
    kept, dropped = parsed.attachments
    assert read_back(parsed.raw, kept) == PDF
    assert read_back(parsed.raw, dropped) is None
    assert read_back(parsed.raw, {**kept, "sha256": "0" * 64}) is None  # not what was recorded
    assert parse(parsed.raw).attachments[0]["kept"]  # the stored email reads the same way


def test_an_email_with_nothing_dropped_is_stored_byte_for_byte():
    raw = with_files(("letter.pdf", "application/pdf", PDF))
    assert parse(raw).raw == raw


def test_download_names_never_decide_how_a_file_opens():
    pdf = {"filename": "my letter.pdf", "content_type": "application/pdf"}
    assert download_name(pdf, 1) == "my letter.pdf"
    assert download_name({**pdf, "filename": "../../etc/passwd"}, 2) == "attachment-2.pdf"
    assert download_name({**pdf, "filename": ""}, 3) == "attachment-3.pdf"
    assert download_name({"filename": "form", "content_type": "image/png"}, 4) == (
        "attachment-4.png")


def test_sizes_read_as_people_say_them():
    assert [size_in_words(n) for n in (1, 850, 12_345, DEFAULT_MAX_BYTES, 11_010_048)] == [
        "1 byte", "850 bytes", "12 kB", "10 MB", "10.5 MB"]


# --- the corpus message over the limit ----------------------------------------------------------


def test_the_corpus_reply_over_the_limit_lands_with_its_photo_and_says_what_was_dropped(
        client, staff, waiting):  # noqa: F811
    raw = corpus_message("attachments_over_limit_reply.eml", waiting)
    assert len(raw) > DEFAULT_MAX_BYTES
    result = store_message(raw, source="pipe")
    row = db.session.get(InboundMessage, result.message_id)
    assert row.request_id == waiting.id
    assert len(row.raw) < 20_000  # the 10 MB scan and the program are not stored
    seat, scan, program = row.attachments
    assert (seat["filename"], seat["kept"]) == ("seat.png", True)
    assert scan["why_not"] == "larger than the 10 MB limit"
    assert program["why_not"] == "files of this type (application/x-msdownload) are not accepted"

    sign_in(client, staff)
    html = client.get(f"/staff/inbox/{row.id}").get_data(as_text=True)
    assert "Download seat.png" in html
    assert "letter scan.pdf (application/pdf, 10 MB): <strong>not kept</strong>" in html
    assert "viewer.exe" in html and "Ask the sender for it another way" in html
    response = client.get(f"/staff/inbox/{row.id}/attachments/1")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=seat.png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    for dropped in (2, 3, 4):  # dropped, dropped, no such file
        assert client.get(f"/staff/inbox/{row.id}/attachments/{dropped}").status_code == 404
    log = db.session.scalars(select(InboundLogEntry).where(
        InboundLogEntry.inbound_id == row.id).order_by(InboundLogEntry.id)).all()
    assert [(e.action, e.detail, e.staff_id) for e in log[-1:]] == [
        (inbox.ATTACHMENT, "seat.png", staff.id)]


# --- staff only, and purged with the email ------------------------------------------------------


def test_only_staff_who_may_see_the_email_can_download_its_files(client, staff, make_staff):
    result = store_message(with_files(("letter.pdf", "application/pdf", PDF)), source="pipe")
    url = f"/staff/inbox/{result.message_id}/attachments/1"
    signed_out = client.get(url)
    assert signed_out.status_code in (302, 303) and "/staff/login" in signed_out.location
    team = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                notification_email="foh@example.org")
    db.session.add(team)
    db.session.commit()
    message = db.session.get(InboundMessage, result.message_id)
    message.team_id = team.id  # the inbox of a team this coordinator is not in
    db.session.commit()
    sign_in(client, staff)
    assert client.get(url).status_code == 404
    member = make_staff(name="Fran Front")
    team.members.append(member)
    db.session.commit()
    sign_in(client, member)
    assert client.get(url).data == PDF
    assert db.session.scalar(select(InboundLogEntry.staff_id).where(
        InboundLogEntry.action == inbox.ATTACHMENT)) == member.id


def test_the_retention_purge_deletes_the_files_with_their_email(client, staff, waiting):  # noqa: F811
    raw = corpus_message("attachments_over_limit_reply.eml", waiting)
    row_id = store_message(raw, source="pipe").message_id
    sign_in(client, staff)
    assert client.get(f"/staff/inbox/{row_id}/attachments/1").status_code == 200
    assert purge_everything(waiting.event.ends_at + timedelta(days=91)).inbound_messages == 1
    db.session.expire_all()
    assert db.session.get(InboundMessage, row_id) is None
    assert client.get(f"/staff/inbox/{row_id}/attachments/1").status_code == 404
