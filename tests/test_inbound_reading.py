"""Reading email that came in: the reply trimmer's shapes (English, German, French), HTML to
text, and headers in any encoding — without a database."""

from __future__ import annotations

import pytest

from accessreq.inbound.html_text import html_to_text
from accessreq.inbound.parsing import dedupe_key, message_ids, parse
from accessreq.inbound.trimming import trim_reply

NEW = "Yes, two seats please."
QUOTED = "Hello Sam Attendee,\nThe access team has a question."


@pytest.mark.parametrize("attribution", [
    "On Mon, 30 Nov 2026 at 16:05, Access team <access@example.org> wrote:",  # Gmail
    "On Mon, 30 Nov 2026 at 16:05, Access team <access@example.org>\nwrote:",  # wrapped
    "On 30 Nov 2026, at 16:05, Access team <access@example.org> wrote:",  # Apple Mail
    "Am Mo., 30. Nov. 2026 um 16:05 Uhr schrieb Access team <access@example.org>:",  # Gmail de
    "Am 30.11.2026 um 16:05 schrieb Access team <access@example.org>:",  # Apple Mail de
    "Le lun. 30 nov. 2026 à 16:05, Access team <access@example.org> a écrit :",  # Gmail fr
], ids=["gmail", "gmail-wrapped", "apple", "gmail-de", "apple-de", "gmail-fr"])
def test_quoted_text_below_an_attribution_is_trimmed(attribution):
    quoted = "\n".join(f"> {line}" for line in QUOTED.splitlines())
    assert trim_reply(f"{NEW}\n\n{attribution}\n\n{quoted}\n") == NEW


def test_a_reply_written_below_the_quote_is_kept():
    quoted = "\n".join(f"> {line}" for line in QUOTED.splitlines())
    text = f"On Mon, Access team <access@example.org> wrote:\n{quoted}\n\n{NEW}\n"
    assert trim_reply(text) == NEW


@pytest.mark.parametrize("header", [
    "-----Original Message-----\nFrom: Access team\nSent: Monday\nSubject: Your request",
    "________________________________\nFrom: Access team <access@example.org>\n"
    "Sent: Monday, 30 November 2026 16:05\nTo: Sam\nSubject: Your request",
    "________________________________\nVon: Access team <access@example.org>\n"
    "Gesendet: Montag, 30. November 2026 16:05\nAn: Sam\nBetreff: Ihre Anfrage",
    "-----Ursprüngliche Nachricht-----\nVon: Access team\nGesendet: Montag",
], ids=["outlook-original", "outlook-en", "outlook-de", "outlook-de-original"])
def test_everything_below_an_outlook_header_is_the_quote(header):
    assert trim_reply(f"{NEW}\n\n{header}\n\n{QUOTED}\n") == NEW


@pytest.mark.parametrize("footer", ["-- \nSam Attendee\n07700 900 982", "Sent from my iPhone",
                                    "Von meinem iPhone gesendet", "Get Outlook for Android"])
def test_signatures_and_mobile_footers_are_trimmed(footer):
    assert trim_reply(f"{NEW}\n\n{footer}\n") == NEW


def test_text_that_is_all_quote_is_kept_whole_rather_than_emptied():
    text = "> only a quote\n> nothing else"
    assert trim_reply(text) == text


def test_html_becomes_text_without_scripts_styles_or_markup():
    text = html_to_text("<html><head><title>t</title><style>p{}</style></head><body>"
                        "<script>alert(1)</script><p>One<br>two &amp; three</p>"
                        "<ul><li>a</li><li>b</li></ul><p><a href='https://x.example/'>site</a>"
                        "</p><blockquote><p>quoted</p></blockquote></body></html>")
    assert text == "One\ntwo & three\n\n- a\n- b\n\nsite (https://x.example/)\n\n> quoted"


def test_encoded_headers_and_bodies_in_other_charsets_are_read():
    raw = ("From: =?utf-8?b?Wm/DqyBCw6k=?= <zoe@example.net>\r\n"
           "Subject: =?iso-8859-1?q?Caf=E9_et_acc=E8s?=\r\nMessage-ID: <A@B>\r\n"
           "Content-Type: text/plain; charset=windows-1252\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\nCo=FBt =80 5\r\n").encode()
    parsed = parse(raw)
    assert (parsed.from_name, parsed.subject) == ("Zoë Bé", "Café et accès")
    assert parsed.body_text == "Coût € 5"
    assert parsed.dedupe_key == "a@b"


def test_an_unknown_charset_is_read_with_replacement_characters_not_refused():
    raw = (b"From: a@example.net\r\nSubject: x\r\nContent-Type: text/plain; charset=x-unknown\r\n"
           b"\r\nplain words \xff\r\n")
    parsed = parse(raw)
    assert not parsed.unreadable and parsed.body_text.startswith("plain words")


def test_message_ids_and_keys():
    assert message_ids("<a@b> junk <c@d>\r\n <e@f>") == ["<a@b>", "<c@d>", "<e@f>"]
    assert dedupe_key(b"raw", "") .startswith("sha256:")
    assert dedupe_key(b"raw", "<" + "x" * 300 + "@y>").startswith("message-id-sha256:")
