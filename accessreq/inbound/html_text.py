"""HTML mail to plain text with the standard library's parser: nothing is rendered or fetched,
scripts and styles are dropped, blocks become lines, quoted blocks get "> " so the reply trimmer
sees them, and a link keeps its address beside its words."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5",
           "h6", "hr", "pre", "section", "article", "header", "footer", "address"}
_SKIPPED = {"script", "style", "head", "title", "template", "noscript"}
_QUOTES = {"blockquote"}
_LINES = {"br", "li", "tr"}  # end a line without starting a paragraph


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.href: list[str | None] = []

    def _end_line(self, blank: bool = True) -> None:
        """End the line being built; ``blank``: a paragraph break may follow (not between the
        items of a list or the lines of a <br>)."""
        text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", "".join(self.current)).strip()
        self.current = []
        if text:
            self.lines.append(("> " * self.quote) + text)
        elif blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skip += 1
        elif tag in _BLOCKS or tag in _QUOTES:
            self._end_line(blank=tag not in _LINES)
            if tag == "li":
                self.current.append("- ")
        if tag in _QUOTES:
            self.quote += 1
        if tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS or tag in _QUOTES:
            self._end_line(blank=tag not in _LINES)
        if tag in _QUOTES:
            self.quote = max(0, self.quote - 1)
        if tag == "a" and self.href:
            href = self.href.pop()
            words = "".join(self.current)
            if href and href.startswith(("http:", "https:")) and href not in words:
                self.current.append(f" ({href})")

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data.replace("\n", " "))

    def text(self) -> str:
        self._end_line()
        return "\n".join(self.lines).strip()


def html_to_text(html: str) -> str:
    builder = _TextBuilder()
    builder.feed(html)
    builder.close()
    return builder.text()
