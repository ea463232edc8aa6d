"""Form pieces every feature uses: the base form classes (with the guard against control
characters in free text), option lists, the checkbox-group field, the ``strip`` filter, the
``in_choices`` check and the long-text limit."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (Form, HiddenField, SelectChoice, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


# The longest free text any form takes (descriptions, messages, notes, reports): one limit, so
# what an attendee may write, staff may answer and the database keeps cannot drift apart.
LONG_TEXT_MAX = 5000


def options(pairs) -> list[SelectChoice]:
    """Choices for a select, radio or checkbox group from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    """Filter: surrounding whitespace off a text value (anything else is left alone)."""
    return value.strip() if isinstance(value, str) else value


def in_choices(field, message: str) -> None:
    """Refuse a value the field does not offer, for fields whose choices views fill in
    (``validate_choice=False``). An empty value is accepted only where it is itself a choice
    (“Any”, “None”); a prompt such as “Choose a team” is refused first by the field's
    ``InputRequired``, which stops the chain before this check."""
    values = {c.value if hasattr(c, "value") else c[0] for c in field.choices or []}
    if (field.data or "") not in values:
        raise ValidationError(message)


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; the forms macros put it in a fieldset and link its errors to the
    first box (``<id>-0``)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        if self.process_errors:
            # Keep the "choose from the list" message; "choose at least one" would mislead.
            raise StopValidation()
        super().pre_validate(form)


# --- free text: control characters -------------------------------------------------------------
#
# Every StringField (and so EmailField, TelField, SearchField, PasswordField) and TextAreaField of
# every form is guarded here, through the forms' Meta, so a new form cannot forget it. Control
# characters are never meant (they come from copy and paste, or from someone probing), some break
# emails and logs, and PostgreSQL refuses NUL outright. They are taken out of the value at once
# (so nothing can reach the database or be echoed back) and the field says so, keeping the rest
# of what the person typed. Legitimate Unicode stays: right-to-left marks and isolates, zero-width
# joiners in emoji, combining marks and every script are letters or format characters, not
# controls.

# Line breaks a single-line field turns into a space (so "Ann<TAB>Lee" reads "Ann Lee").
_SINGLE_LINE_BREAKS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_KEPT_IN_MULTI_LINE = frozenset("\t\n")


def _is_control(char: str) -> bool:
    """C0 and C1 controls and DEL (Unicode "Cc"), and lone surrogates ("Cs"), which cannot even
    be written as UTF-8."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF


def controls_to_spaces(value: str) -> str:
    """``value`` with every control character (line breaks and tabs too) made a space: for
    text that is searched for rather than kept, such as the staff queue's search box."""
    return "".join(" " if _is_control(c) else c for c in value)


def like_pattern(text: str) -> str:
    """A case-insensitive "contains" pattern for LIKE … ESCAPE '\\' (compare with lower()):
    ``%``, ``_`` and the backslash typed in a search box match themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean_single_line(value: str) -> str:
    """``value`` with line breaks and tabs turned into spaces and other controls removed."""
    return "".join(" " if c in _SINGLE_LINE_BREAKS else c for c in value
                   if c in _SINGLE_LINE_BREAKS or not _is_control(c))


def normalise_newlines(value: str) -> str:
    """CRLF (what browsers send for a textarea) and a lone CR become LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def clean_multi_line(value: str) -> str:
    """``value`` with CRLF made LF and every control except newline and tab removed."""
    return "".join(c for c in normalise_newlines(value)
                   if c in _KEPT_IN_MULTI_LINE or not _is_control(c))


def has_control_characters(value: str | None, multi_line: bool = False) -> bool:
    if not isinstance(value, str):
        return False
    return (clean_multi_line(value) != normalise_newlines(value) if multi_line
            else clean_single_line(value) != value)


class _TextGuard:
    """The filter and validator pair one bound text field gets: the filter cleans the value and
    remembers whether it had to; the validator then explains it beside the field."""

    def __init__(self, multi_line: bool, explain: bool) -> None:
        self.multi_line = multi_line
        self.explain = explain
        self.removed = False

    def clean(self, value):
        if not isinstance(value, str):
            return value
        cleaned = clean_multi_line(value) if self.multi_line else clean_single_line(value)
        self.removed = cleaned != (normalise_newlines(value) if self.multi_line else value)
        return cleaned

    def check(self, form, field) -> None:
        if self.removed and self.explain:
            label = field.label.text if field.label else _("This field")
            if self.multi_line:
                raise ValidationError(_(
                    "%(label)s had hidden control characters in it, which we cannot store. We "
                    "have taken them out: check the text and send it again.", label=label))
            raise ValidationError(_(
                "%(label)s must be on one line, without tabs or hidden control characters. We "
                "have taken them out: check the text and send it again.", label=label))


class SafeTextMeta:
    """Form Meta mixin: guards every text field as it is bound to a form."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField):
            # Hidden fields (CSRF token, version) are cleaned but explained nowhere: nobody typed
            # them, and a damaged one is refused by its own check.
            guard = _TextGuard(multi_line=isinstance(field, TextAreaField),
                               explain=not isinstance(field, HiddenField))
            field.filters = (guard.clean, *field.filters)
            # Last, so the field's own message ("Enter your name") comes first.
            field.validators = [*field.validators, guard.check]
        return field


# The name of the language switcher's buttons on a form page (templates/i18n/_switcher.html):
# they send the form to its own address with ?lang=…, and it comes back in that language with
# everything typed, neither checked nor acted on.
SWITCH_LANGUAGE_FIELD = "switch_language"


def switching_language() -> bool:
    """True when this POST only asks for the page in another language."""
    return request.method == "POST" and SWITCH_LANGUAGE_FIELD in request.form


class AppForm(FlaskForm):
    """The base of every POST form: Flask-WTF's CSRF protection plus the text guard. A post
    from the language switcher is not a submission: the form keeps what was typed, unchecked."""

    class Meta(SafeTextMeta):
        pass

    def is_submitted(self) -> bool:
        return super().is_submitted() and not switching_language()


class QueryForm(Form):
    """The base of every GET form (filters, previews): no CSRF token, the same text guard."""

    class Meta(SafeTextMeta):
        pass
