"""The checks in checks.js catch what they claim to: each runs on a page built to fail it.

A check that passes everything proves nothing, so these pages are the checks' own tests.
"""

from __future__ import annotations

import pytest

from .helpers import check

pytestmark = pytest.mark.browser

GOOD_SHELL = """<!doctype html><html lang="en"><head><title>t</title></head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<header><nav aria-label="Main"><a href="/">Home</a></nav></header>
<main id="main" tabindex="-1">{body}</main><footer><p>Footer</p></footer></body></html>"""

GOOD_FORM = """<h1>Form</h1>
<form method="post" novalidate>
  <label for="name">Your full name</label>
  <input id="name" name="contact_name" autocomplete="name" required>
  <label for="email">Email</label>
  <div id="email-hint" class="hint">We reply here.</div>
  <input id="email" type="email" name="email" autocomplete="email" aria-describedby="email-hint" required>
  <label for="notes">Notes <span>(optional)</span></label>
  <textarea id="notes" name="notes"></textarea>
  <fieldset><legend>Contact by</legend>
    <input type="radio" id="c-0" name="c" value="a" required><label for="c-0">Email</label>
    <input type="radio" id="c-1" name="c" value="b" required><label for="c-1">Phone</label>
  </fieldset>
  <button type="submit" style="padding:8px">Send</button>
</form>"""


@pytest.fixture(scope="module")
def blank(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def problems_on(page, body: str, shell: str = GOOD_SHELL) -> list[str]:
    page.set_content(shell.format(body=body))
    return check(page, "structure")


def test_a_good_page_passes(blank):
    assert problems_on(blank, GOOD_FORM) == []


@pytest.mark.parametrize("change, expected", [
    (("<h1>Form</h1>", "<h2>Form</h2>"), "0 <h1> elements"),
    (("<h1>Form</h1>", "<h1>Form</h1><h3>Deep</h3>"), "heading level skipped"),
    (('<label for="name">Your full name</label>', ""), "has no visible label"),
    (('<label for="name">Your full name</label>',
      '<label for="name" class="visually-hidden">Your full name</label>'), "has no visible label"),
    ((' aria-describedby="email-hint"', ""), "not joined to its field"),
    (('<fieldset><legend>Contact by</legend>', "<div>"), "without fieldset and legend"),
    ((' autocomplete="email"', ""), "no autocomplete"),
    ((' autocomplete="name"', ""), "no autocomplete"),
    ((" <span>(optional)</span>", ""), 'does not say "(optional)"'),
    (('name="contact_name" autocomplete="name" required', 'name="contact_name" autocomplete="name"'),
     'does not say "(optional)"'),
    (("<form method=\"post\" novalidate>", "<form method=\"post\">"), "lacks novalidate"),
    (('<input id="email" type="email"', '<input id="email" type="email" tabindex="2"'),
     "positive tabindex"),
])
def test_each_structure_problem_is_caught(blank, change, expected):
    old, new = change
    assert old in GOOD_FORM
    problems = problems_on(blank, GOOD_FORM.replace(old, new))
    assert any(expected in p for p in problems), problems


def test_landmarks_skip_link_lang_and_flashes_are_checked(blank):
    shell = GOOD_SHELL.replace('<html lang="en">', "<html>").replace(
        '<a class="skip-link" href="#main">Skip to main content</a>', "").replace(
        "<footer><p>Footer</p></footer>", "")
    body = ('<div class="flashes"><div class="notice notice--error" role="status"><p>Bad</p></div>'
            '<div class="notice notice--success"><p>Done</p></div></div>' + GOOD_FORM)
    problems = "\n".join(problems_on(blank, body, shell))
    for expected in ["no lang", "not the skip link", "<footer> landmark",
                     "error flash without role=alert", "flash without role=status"]:
        assert expected in problems, problems


def test_error_summary_and_invalid_fields_are_checked(blank):
    body = GOOD_FORM.replace("<h1>Form</h1>", "<h1>Form</h1><div class='error-summary'>"
                             "<a href='#nowhere'>Fix it</a></div>").replace(
        'aria-describedby="email-hint"', 'aria-describedby="email-hint email-error"').replace(
        '<div id="email-hint"', '<p id="email-error" class="error-message">Enter an email</p><div id="email-hint"')
    problems = "\n".join(problems_on(blank, body))
    assert "error summary is not above the h1" in problems
    assert "does not lead to a field" in problems
    assert 'no aria-invalid="true"' in problems


def test_small_targets_motion_and_focus_are_measured(blank):
    blank.set_content(GOOD_SHELL.format(body=(
        "<h1>x</h1><p><a href='/a' style='font-size:10px'>alone</a></p>"
        "<p>In a sentence, <a href='/b' style='font-size:10px'>this link</a> is fine.</p>"
        "<button style='width:20px;height:20px;padding:0'>x</button>"
        "<div style='transition: opacity 2s'>moving</div>")))
    small = "\n".join(check(blank, "smallTargets"))
    assert '"alone"' in small and "<button>" in small and "this link" not in small
    assert any("transition" in m for m in check(blank, "motion"))
    blank.add_style_tag(content=":focus-visible { outline: none; box-shadow: none; }")
    blank.keyboard.press("Tab")
    assert blank.evaluate("document.activeElement.className") == "skip-link"
    assert check(blank, "focus")["visible"] is False


def test_clipped_text_is_found(blank):
    blank.set_content(GOOD_SHELL.format(body=(
        "<h1>x</h1><div style='height:1em;overflow:hidden'>line one<br>line two</div>"
        "<div style='overflow-x:auto;width:50px'><p style='width:400px'>scrolls, so not lost</p></div>")))
    clipped = check(blank, "clipped")
    assert len(clipped) == 1 and "line one" in clipped[0], clipped


ROW_FORMS = """<h1>Rules</h1><table><caption>Rules</caption><tbody>
<tr><th scope="row">Rule 1</th><td>
  <form method="post" action="/rules/1/delete">{token}
    <button type="submit" style="padding:8px">Delete<span class="visually-hidden"> rule 1</span></button>
  </form></td></tr>
<tr><th scope="row">Rule 2</th><td>
  <form method="post" action="/rules/2/delete">{token}
    <button type="submit" style="padding:8px">Delete<span class="visually-hidden"> rule 2</span></button>
  </form></td></tr>
</tbody></table>"""
TOKEN = '<input type="hidden" name="csrf_token" value="t">'


def row_forms(token: str = TOKEN, first: str = "", second: str = "") -> str:
    body = ROW_FORMS.format(token=token)
    body = body.replace('action="/rules/1/delete"', f'action="/rules/1/delete"{first}')
    return body.replace('action="/rules/2/delete"', f'action="/rules/2/delete"{second}')


def test_per_row_forms_without_names_or_with_distinct_names_pass(blank):
    assert problems_on(blank, row_forms()) == []
    assert problems_on(blank, row_forms(first=' aria-label="Delete rule 1"',
                                        second=' aria-label="Delete rule 2"')) == []


def test_duplicate_ids_are_caught(blank):
    """Flask-WTF's csrf_token field renders id="csrf_token" in every form on the page."""
    problems = problems_on(blank, row_forms(token=TOKEN.replace("<input", '<input id="csrf_token"')))
    assert 'duplicate id="csrf_token" on 2 elements' in problems, problems
    problems = problems_on(blank, GOOD_FORM + '<p id="name">Again</p>')
    assert any('duplicate id="name"' in p for p in problems), problems


@pytest.mark.parametrize("first, second, expected", [
    (' aria-label="Delete"', ' aria-label="Delete"', 'form landmarks share the name "Delete"'),
    (' aria-labelledby="del"', ' aria-label="Delete rule"',
     'form landmarks share the name "Delete rule"'),
    (' title="Delete"', ' role="form" title="Delete"', 'form landmarks share the name "Delete"'),
    (' role="search" aria-label="Find"', ' role="search" aria-label="Find"',
     'search landmarks share the name "Find"'),
    (' role="search"', ' role="search"', "search landmarks has no name"),
    (' role="form"', "", "form landmark without a name"),
    (' role="region" aria-label="Rule"', ' role="region" aria-label="Rule"',
     'region landmarks share the name "Rule"'),
])
def test_form_landmarks_with_the_same_name_are_caught(blank, first, second, expected):
    body = row_forms(first=first, second=second).replace(
        "<h1>Rules</h1>", '<h1>Rules</h1><p id="del" hidden>Delete <span>rule</span></p>')
    problems = problems_on(blank, body)
    assert any(expected in p for p in problems), problems


def test_a_div_with_role_form_is_a_landmark_too(blank):
    body = row_forms() + ('<div role="form" aria-label="Filter"><p>a</p></div>'
                          '<div role="form" aria-label="Filter"><p>b</p></div>')
    problems = problems_on(blank, body)
    assert 'form landmarks share the name "Filter"' in problems, problems


def test_per_row_buttons_with_the_same_name_are_caught(blank):
    """The routing rules page once read "Move up rule 1" on every row."""
    body = row_forms().replace("> rule 2</span>", "> rule 1</span>")
    assert '2 buttons named "Delete rule 1" do different things' in problems_on(blank, body)
    # The same action offered twice (e.g. above and below a long list) is not ambiguous.
    twice = ROW_FORMS.format(token=TOKEN).replace("/rules/2/delete", "/rules/1/delete").replace(
        "> rule 2</span>", "> rule 1</span>")
    assert problems_on(blank, twice) == []
