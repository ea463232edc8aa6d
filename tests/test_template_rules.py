"""Templates present values; they do not decide by matching English words (issue 9, item 3).

A template may compare against an identifier such as a status or history-kind value
("cancelled", "routed"): those are keys, not words people read. Comparing against words people
read ("Overdue", "Under 48 hours") or splitting stored text to find its parts makes a rule that
breaks as soon as the wording changes or is translated; such rules belong in Python.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ALL_TEMPLATES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*")
                       if p.is_file() and p.suffix in (".html", ".txt"))
# Keys rather than words: "routed", "events.index" (endpoints), "GET", "RadioField" (class names).
IDENTIFIER = re.compile(r"[a-z0-9_.]*|[A-Z0-9_]+|(?:[A-Z][a-z0-9]+){2,}")


def _string_constants(node: nodes.Node, assigned: dict[str, nodes.Node]) -> list[str]:
    """The string literals a comparison operand stands for, following ``{% set x = [...] %}``."""
    if isinstance(node, nodes.Name) and node.name in assigned:
        node = assigned[node.name]
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (nodes.List, nodes.Tuple)):
        return [v for item in node.items for v in _string_constants(item, assigned)]
    return []


def english_comparisons(source: str) -> list[str]:
    """Every string literal that is not an identifier and is compared against (==, !=, in)."""
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    assigned = {a.target.name: a.node for a in tree.find_all(nodes.Assign)
                if isinstance(a.target, nodes.Name)}
    found = []
    for compare in tree.find_all(nodes.Compare):
        for operand in (compare.expr, *(op.expr for op in compare.ops)):
            found += [v for v in _string_constants(operand, assigned)
                      if not IDENTIFIER.fullmatch(v)]
    return found


@pytest.mark.parametrize("name", ALL_TEMPLATES)
def test_no_template_decides_by_comparing_english_words(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert english_comparisons(source) == [], (
        f"{name} compares against text people read; compute the rule in Python instead")


@pytest.mark.parametrize("name, pattern", [
    ("triage/queue.html", "urgent_words"),
    ("triage/queue.html", "Under 48 hours"),
    ("triage/detail.html", "Under 48 hours"),
    ("triage/_history.html", 'body.split('),
    ("triage/_history.html", 'in entry.body'),
    ("requests/status.html", "actor_id is none"),
    ("requests/status.html", "== 'cancelled'"),
])
def test_the_rules_moved_to_python_are_not_back_in_templates(name, pattern):
    assert pattern not in (TEMPLATES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("source, words", [
    ('{% if urgency in ["Overdue", "Event started"] %}x{% endif %}', ["Overdue", "Event started"]),
    ('{% set urgent = ["Overdue"] %}{% if u in urgent %}x{% endif %}', ["Overdue"]),
    ('{% if "\\n" in entry.body %}x{% endif %}', ["\n"]),
    ("{% if label != 'Due soon' %}x{% endif %}", ["Due soon"]),
    ('{% if kind == "routed" or status.value in ("arranged", "closed") %}x{% endif %}', []),
    ("{% if request.endpoint == 'events.index' or f.type == 'RadioField' %}x{% endif %}", []),
])
def test_the_scan_finds_english_comparisons(source, words):
    assert english_comparisons(source) == words
