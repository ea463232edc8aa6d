"""The new text of a reply: the quoted earlier message and the signature taken off, for
display. The full text is always kept; when trimming would leave nothing, nothing is trimmed.

Our own rules (no maintained reply parser covers more than English): the attribution lines of
Gmail, Apple Mail and Thunderbird ("On … wrote:", German "Am … schrieb …:", French "Le … a écrit
:"), Outlook's header block ("From: … Sent: … Subject:" and its German "Von: … Gesendet: …
Betreff:") and "-----Original Message-----" lines, "> " quoted lines, the "-- " signature line
and mobile footers ("Sent from my iPhone", "Von meinem iPhone gesendet")."""

from __future__ import annotations

import re

# An attribution line, possibly wrapped over two lines by the sender's program.
_ATTRIBUTION = re.compile(
    r"^(On\s.{1,250}\swrote:|Am\s.{1,250}\sschrieb\s.{0,250}:|Le\s.{1,250}\sa\s+écrit\s?:)$",
    re.IGNORECASE | re.DOTALL)
_ORIGINAL = re.compile(r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)"
                       r"\s*-{2,}$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\*?(From|Von|De)\s?:\*?\s", re.IGNORECASE)
_OUTLOOK_FIELDS = re.compile(r"^\*?(Sent|Date|Gesendet|Datum|Envoyé|To|An|À|Subject|Betreff|"
                             r"Objet|Cc)\s?:\*?", re.IGNORECASE)
_MOBILE_FOOTER = re.compile(r"^(Sent from my \w+|Get Outlook for \w+|Von meinem \w+ gesendet|"
                            r"Envoyé de mon \w+)\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"^_{10,}$")


def _is_outlook_header(lines: list[str], index: int) -> bool:
    """A "From: …" line followed closely by the other fields Outlook writes."""
    if not _OUTLOOK_FROM.match(lines[index].strip()):
        return False
    following = [line.strip() for line in lines[index + 1:index + 6] if line.strip()]
    return sum(1 for line in following if _OUTLOOK_FIELDS.match(line)) >= 2


def _quote_start(lines: list[str]) -> tuple[int, int, bool] | None:
    """(first line, lines taken, whether everything after is quoted) of the first quote
    header; None when there is none."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _ORIGINAL.match(stripped) or (_SEPARATOR.match(stripped) and index + 1 < len(lines)
                                         and _is_outlook_header(lines, index + 1)):
            return index, 1, True
        if _is_outlook_header(lines, index):
            return index, 1, True
        if _ATTRIBUTION.match(stripped):
            return index, 1, False
        if index + 1 < len(lines) and not stripped.startswith(">"):
            joined = f"{stripped} {lines[index + 1].strip()}"
            if stripped and _ATTRIBUTION.match(joined):
                return index, 2, False
    return None


def trim_reply(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    start = _quote_start(lines)
    if start is not None:
        index, taken, to_the_end = start
        if to_the_end:
            lines = lines[:index]
        else:  # "> " quoted below the attribution; text after the quote is a bottom reply
            lines = lines[:index] + lines[index + taken:]
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    kept: list[str] = []
    for line in lines:
        if line.rstrip() == "--" or _MOBILE_FOOTER.match(line.strip()):
            break
        kept.append(line)
    trimmed = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return trimmed or text.strip()
