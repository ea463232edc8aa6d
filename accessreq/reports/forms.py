"""The report's filters: a GET form (nothing is changed), so a report can be bookmarked and
shared as a link. Choices depend on the data and the person; the view fills them in."""

from __future__ import annotations

from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..events.forms import DATE_FORMATS
from ..forms import QueryForm, in_choices, options
from .periods import CUSTOM, DEFAULT_PERIOD, LONGEST_DAYS, PERIODS

_REAL_DATE = "Enter a real date, like 2026-03-27"


class ReportFilterForm(QueryForm):
    period = SelectField("Period", choices=options(PERIODS), default=DEFAULT_PERIOD,
                         validate_choice=False,
                         description="Requests are counted in the period they were received.")
    first = DateField("From", validators=[Optional()], format=DATE_FORMATS,
                      invalid_value_message=_REAL_DATE,
                      description="With “Dates I choose”: the first day, for example 2026-01-01.")
    last = DateField("To", validators=[Optional()], format=DATE_FORMATS,
                     invalid_value_message=_REAL_DATE,
                     description="With “Dates I choose”: the last day, included.")
    team = SelectField("Team", validate_choice=False)
    organisation = SelectField("Host organisation", validate_choice=False)
    event = SelectField("Event", validate_choice=False)
    type = SelectField("Accommodation", validate_choice=False,
                       description="Only requests that asked for it.")

    def validate_period(self, field) -> None:
        in_choices(field, "Choose a period from the list.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.period.data != CUSTOM or self.first.errors or self.last.errors:
            return valid
        first, last = self.first.data, self.last.data
        if first is None:
            self.first.errors.append("Enter the first day of the period.")
        if last is None:
            self.last.errors.append("Enter the last day of the period.")
        elif first is not None and last < first:
            self.last.errors.append("The last day must be on or after the first day.")
        elif first is not None and (last - first).days >= LONGEST_DAYS:
            self.last.errors.append("Choose a period of ten years or less.")
        return valid and not (self.first.errors or self.last.errors)

    def chosen_id(self, name: str) -> int | None:
        """The id chosen in one of the select filters, if it is one offered (else none)."""
        field = getattr(self, name)
        offered = {c.value if hasattr(c, "value") else c[0] for c in field.choices or []}
        value = field.data or ""
        return int(value) if value.isdigit() and value in offered else None
