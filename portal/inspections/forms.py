"""Forms for requesting, cancelling and rescheduling inspections, and the staff's forms."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import PortalDateField, PortalForm, WholeNumberField
from portal.inspections.errors import InvalidRequest
from portal.inspections.models import InspectionResult, Window
from portal.inspections.requests import DATE_FIELDS, DUTIES, check_preferred_dates
from portal.inspections.results import DeficiencyAnswer
from portal.languages import control_date

WINDOW_CHOICES = [SelectChoice(w.value, w.label) for w in Window]
DUTY_LABELS = {
    "confirm_present": _l("The owner, permit holder or their representative will be on site"),
    "confirm_trades": _l("Trade representatives will be there if the inspector asks for them"),
    "confirm_plans": _l("The stamped, approved plans will be on site"),
    "confirm_access": _l("The inspector will have access to every space to be inspected"),
    "confirm_equipment": _l("Ladders, lighting and safety equipment will be provided"),
}
DEFICIENCY_ROWS = 3


class _PreferredDates(PortalForm):
    preferred_date_1 = PortalDateField(
        _l("First preferred date"),
        validators=[InputRequired(_l("Enter your first preferred date"))],
    )
    preferred_date_2 = PortalDateField(_l("Second preferred date"), validators=[Optional()])
    preferred_date_3 = PortalDateField(_l("Third preferred date"), validators=[Optional()])
    window = RadioField(
        _l("Time of day"),
        choices=WINDOW_CHOICES,
        validators=[InputRequired(_l("Choose morning or afternoon"))],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The calendar's rules (weekends, holidays, lead time) are reported with the
        # form's other errors, not only once those are fixed.
        if not any(self[name].errors for name in DATE_FIELDS):
            try:
                check_preferred_dates(self.date_answers())
            except InvalidRequest as error:
                self[error.field].errors = [*self[error.field].errors, error.message]
                valid = False
        return valid

    def limit_dates(self, earliest: date, latest: date) -> None:
        """The date pickers offer only the days the rules allow from (weekends and holidays
        are still refused on the server), and the hint's example is written as the picker
        shows a day."""
        for name in DATE_FIELDS:
            self[name].render_kw = {"min": earliest.isoformat(), "max": latest.isoformat()}
        self.preferred_date_1.description = _(
            "For example %(example)s, the earliest. Weekdays only, not public holidays, "
            "up to %(latest)s.",
            example=control_date(earliest),
            latest=control_date(latest),
        )

    def date_answers(self) -> dict:
        return {
            "preferred_date_1": self.preferred_date_1.data,
            "preferred_date_2": self.preferred_date_2.data,
            "preferred_date_3": self.preferred_date_3.data,
            "window": self.window.data,
        }


class RequestForm(_PreferredDates):
    required_inspection = SelectField(
        _l("Inspection"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Choose the inspection you need"))],
    )
    contact_name = StringField(
        _l("On-site contact name"),
        validators=[InputRequired(_l("Enter the name of the person on site")), Length(max=200)],
    )
    contact_phone = TelField(
        _l("On-site contact phone"),
        validators=[
            InputRequired(_l("Enter a phone number for the person on site")),
            Length(max=40),
        ],
    )
    access_notes = TextAreaField(
        _l("Access notes"),
        validators=[Optional(), Length(max=2000)],
        description=_l("How to get in: gate codes, where to park, which entrance."),
    )
    confirm_present = BooleanField(DUTY_LABELS["confirm_present"])
    confirm_trades = BooleanField(DUTY_LABELS["confirm_trades"])
    confirm_plans = BooleanField(DUTY_LABELS["confirm_plans"])
    confirm_access = BooleanField(DUTY_LABELS["confirm_access"])
    confirm_equipment = BooleanField(DUTY_LABELS["confirm_equipment"])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for duty in DUTIES:
            if not self[duty].data:
                # Named, so the error summary lists which ones are missing.
                self[duty].errors = [
                    *self[duty].errors,
                    _l("Confirm: %(duty)s", duty=DUTY_LABELS[duty]),
                ]
                valid = False
        return valid

    def answers(self) -> dict:
        return {
            **self.date_answers(),
            "required_inspection_id": self.required_inspection.data,
            "contact_name": self.contact_name.data or "",
            "contact_phone": self.contact_phone.data or "",
            "access_notes": self.access_notes.data or "",
            **{duty: bool(self[duty].data) for duty in DUTIES},
        }


class VersionedForm(PortalForm):
    """A change to a request as the user saw it (the stale-form guard)."""

    version = HiddenField(validators=[InputRequired()])


class RescheduleForm(_PreferredDates, VersionedForm):
    pass


class CancelForm(VersionedForm):
    pass


class ScheduleForm(VersionedForm):
    day = PortalDateField(
        _l("Inspection date"),
        validators=[InputRequired(_l("Enter the inspection date"))],
        description=_l("For example 2026-09-15."),
    )
    window = RadioField(
        _l("Time of day"),
        choices=WINDOW_CHOICES,
        validators=[InputRequired(_l("Choose morning or afternoon"))],
    )
    inspector = SelectField(
        _l("Inspector"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Choose an inspector"))],
    )


class ResultForm(VersionedForm):
    result = RadioField(
        _l("Result"),
        choices=[SelectChoice(r.value, r.label) for r in InspectionResult],
        validators=[InputRequired(_l("Choose the result"))],
    )
    remarks = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=4000)])
    orders = TextAreaField(
        _l("Orders"),
        validators=[Optional(), Length(max=4000)],
        description=_l("What the applicant must do, and by when."),
    )
    photos = MultipleFileField(_l("Photos"), validators=[Optional()])

    def deficiency_answers(self) -> list[DeficiencyAnswer]:
        answers = []
        for n in range(1, DEFICIENCY_ROWS + 1):
            description = (self[f"deficiency_{n}_description"].data or "").strip()
            if description:
                answers.append(
                    DeficiencyAnswer(
                        code_section=self[f"deficiency_{n}_code_section"].data or "",
                        description=description,
                        location=self[f"deficiency_{n}_location"].data or "",
                        correct_by=self[f"deficiency_{n}_correct_by"].data,
                    )
                )
        return answers

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for n in range(1, DEFICIENCY_ROWS + 1):
            others = [
                self[f"deficiency_{n}_{name}"].data
                for name in ("code_section", "location", "correct_by")
            ]
            description = self[f"deficiency_{n}_description"]
            if any(others) and not (description.data or "").strip():
                description.errors = [
                    *description.errors,
                    _l("Describe deficiency %(n)s, or clear its other fields", n=n),
                ]
                valid = False
        return valid

    def uploads(self) -> list:
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]


for _n in range(1, DEFICIENCY_ROWS + 1):
    setattr(
        ResultForm,
        f"deficiency_{_n}_code_section",
        StringField(_l("Code section"), validators=[Optional(), Length(max=100)]),
    )
    setattr(
        ResultForm,
        f"deficiency_{_n}_description",
        TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)]),
    )
    setattr(
        ResultForm,
        f"deficiency_{_n}_location",
        StringField(_l("Location"), validators=[Optional(), Length(max=200)]),
    )
    setattr(
        ResultForm,
        f"deficiency_{_n}_correct_by",
        PortalDateField(_l("Correct by"), validators=[Optional()]),
    )


class WithdrawResultForm(VersionedForm):
    reason = TextAreaField(
        _l("Why is the result withdrawn?"),
        validators=[InputRequired(_l("Enter why the result is withdrawn")), Length(max=1000)],
        description=_l("For example: recorded on the wrong inspection. The applicant reads it."),
    )


class AgencyResultForm(PortalForm):
    day = PortalDateField(
        _l("Day the agency inspected"),
        validators=[InputRequired(_l("Enter the day the agency inspected"))],
        description=_l("For example 2026-09-15."),
    )
    result = RadioField(
        _l("Result the agency reported"),
        choices=[SelectChoice(r.value, r.label) for r in InspectionResult],
        validators=[InputRequired(_l("Choose the result"))],
    )
    remarks = TextAreaField(
        _l("Remarks"),
        validators=[Optional(), Length(max=4000)],
        description=_l("What the agency reported, including anything to correct."),
    )


class AddRequiredForm(PortalForm):
    inspection_type = SelectField(
        _l("Inspection"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Choose an inspection"))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(_l("Enter the reason")), Length(max=1000)],
    )


class RemoveRequiredForm(PortalForm):
    reason = StringField(
        _l("Reason for removing it"),
        validators=[InputRequired(_l("Enter the reason")), Length(max=1000)],
    )


class InspectionTypeForm(PortalForm):
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Enter the name")), Length(max=200)]
    )
    bureau = StringField(
        _l("Bureau"), validators=[InputRequired(_l("Enter the bureau")), Length(max=100)]
    )
    fee_cents = WholeNumberField(
        _l("Fee in cents"),
        validators=[
            InputRequired(_l("Enter the fee in cents, or 0")),
            NumberRange(min=0, max=10_000_000, message=_l("Enter a fee from 0 to 10000000 cents")),
        ],
        description=_l("For example 15000 for $150.00. 0 means no fee."),
    )
    blds_type_mapped = StringField(
        _l("BLDS InspTypeMapped"), validators=[Optional(), Length(max=100)]
    )
    agency_id = SelectField(
        _l("Inspecting agency"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Choose the inspecting agency"))],
    )
    repeatable = BooleanField(
        _l("Repeatable: needed again for each stage of the work, such as each concrete pour")
    )
    active = BooleanField(_l("In use: required for new permits whose scope calls for it"))

    def answers(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "bureau": self.bureau.data.strip(),
            "fee_cents": self.fee_cents.data,
            "blds_type_mapped": (self.blds_type_mapped.data or "").strip(),
            "active": bool(self.active.data),
            "repeatable": bool(self.repeatable.data),
            "agency_id": self.agency_id.data or None,
        }
