"""Form pieces every feature uses: option lists and the checkbox-group field."""

from __future__ import annotations

from wtforms import SelectChoice, SelectMultipleField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget


def options(pairs) -> list[SelectChoice]:
    """Choices for a select, radio or checkbox group from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


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
