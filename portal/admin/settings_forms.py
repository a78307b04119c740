"""Forms for the admin settings: the working rules, holidays, a new fee schedule, the
department's contact details and the inspecting agencies' contacts."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from portal import blds
from portal.forms import PortalDateField, PortalForm, WholeNumberField
from portal.payments.models import FeeKind
from portal.settings.contact import FIELDS as CONTACT_FIELDS
from portal.settings.services import BOUNDS

DATE_HINT = _l("For example 2026-11-26")
# The largest amount one fee may be: well inside a 32-bit cents column.
MAX_FEE_CENTS = 10_000_000
_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def _number(label, name: str, description):
    low, high = BOUNDS[name]
    return WholeNumberField(
        label,
        validators=[
            InputRequired(_l("Enter a number from %(low)s to %(high)s", low=low, high=high)),
            NumberRange(
                low, high, message=_l("Enter a number from %(low)s to %(high)s", low=low, high=high)
            ),
        ],
        description=description,
    )


class SettingsForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
    inspection_lead_business_days = _number(
        _l("Notice needed for an inspection request (business days)"),
        "inspection_lead_business_days",
        _l("The earliest date a request may name is this many business days after today."),
    )
    inspection_cutoff_business_days = _number(
        _l("Cancellation and rescheduling cut-off (business days)"),
        "inspection_cutoff_business_days",
        _l(
            "Changes are free until the end of the business day this many business days "
            "before the visit; later, cancelling draws the reinspection fee. It must be fewer "
            "than the notice, so a request for the earliest date can be changed for at least "
            "one business day."
        ),
    )
    inspector_daily_capacity = _number(
        _l("Inspections one inspector can take in a day"),
        "inspector_daily_capacity",
        _l("Scheduling refuses a day on which the inspector already has this many."),
    )
    stale_inspection_days = _number(
        _l("Required inspections are overdue after (days)"),
        "stale_inspection_days",
        _l("The staff dashboard lists permits whose required inspections waited longer."),
    )
    block_requests_when_fees_unpaid = BooleanField(
        _l("An unpaid reinspection fee blocks new inspection requests on the permit")
    )

    def answers(self) -> dict:
        return {
            "inspection_lead_business_days": self.inspection_lead_business_days.data,
            "inspection_cutoff_business_days": self.inspection_cutoff_business_days.data,
            "inspector_daily_capacity": self.inspector_daily_capacity.data,
            "stale_inspection_days": self.stale_inspection_days.data,
            "block_requests_when_fees_unpaid": bool(self.block_requests_when_fees_unpaid.data),
        }


class HolidayForm(PortalForm):
    day = PortalDateField(
        _l("Date"), validators=[InputRequired(_l("Enter the date"))], description=DATE_HINT
    )
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Enter the holiday's name")), Length(max=100)],
        description=_l("For example Day after Thanksgiving"),
    )


class PermitTypeForm(PortalForm):
    permit_type = StringField(
        _l("Permit type"),
        validators=[
            InputRequired(_l("Enter the permit type as the permits spell it")),
            Length(max=100),
        ],
        description=_l("As the permits spell it, for example New Construction"),
    )
    blds_type = SelectField(
        _l("BLDS permit type"),
        choices=[SelectChoice("", _l("Choose a BLDS permit type"))]
        + [SelectChoice(value, value) for value in blds.PERMIT_TYPE_MAPPED],
        validators=[InputRequired(_l("Choose one of the BLDS permit types"))],
        description=_l("PermitTypeMapped in the open-data export"),
    )
    description = StringField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "PermitTypeDesc: a longer name, for example Building permit for a new building"
        ),
    )


class DollarsField(StringField):
    """An amount typed in dollars ("150", "150.00", "1,200", "$1,200.50"), held as cents."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not self.raw:
            return
        if self.raw.startswith("-"):
            raise ValueError(_l("An amount cannot be negative"))
        if not _AMOUNT.match(self.raw):
            raise ValueError(_l("Enter an amount in dollars, like 150.00 or 1,200"))
        try:
            cents = Decimal(self.raw.lstrip("$").strip().replace(",", "")) * 100
        except InvalidOperation:
            raise ValueError(_l("Enter an amount in dollars, like 150.00 or 1,200")) from None
        if cents > MAX_FEE_CENTS:
            raise ValueError(_l("Enter an amount up to $100,000.00"))
        self.data = int(cents)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data / 100:,.2f}"

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class ScheduleFields(PortalForm):
    """What every fee schedule form has; ScheduleForm adds an amount and authority per kind."""

    name = StringField(
        _l("Name of the schedule"),
        validators=[InputRequired(_l("Enter a name for the schedule")), Length(max=200)],
        description=_l("For example Inspection fees from July 2027"),
    )
    effective_from = PortalDateField(
        _l("In force from"),
        validators=[InputRequired(_l("Enter the date the schedule comes into force"))],
        description=_l("A date after today, for example 2027-07-01"),
    )

    def amount(self, kind: FeeKind) -> DollarsField:
        return self[f"amount_{kind.value}"]

    def authority(self, kind: FeeKind) -> StringField:
        return self[f"authority_{kind.value}"]

    def amounts(self) -> dict[FeeKind, tuple[int | None, str]]:
        return {kind: (self.amount(kind).data, self.authority(kind).data) for kind in FeeKind}


def _schedule_form() -> type[ScheduleFields]:
    # One amount and one authority per fee kind, so a new kind needs no form change.
    fields = {}
    for kind in FeeKind:
        fields[f"amount_{kind.value}"] = DollarsField(
            _l("%(kind)s (dollars)", kind=kind.label),
            validators=[Optional()],
            description=_l("Leave blank if this schedule does not set it."),
        )
        fields[f"authority_{kind.value}"] = StringField(
            _l("%(kind)s: the rule it comes from", kind=kind.label),
            validators=[Optional(), Length(max=200)],
        )
    return type("ScheduleForm", (ScheduleFields,), fields)


ScheduleForm = _schedule_form()


def _phone(label, message, description=None) -> TelField:
    return TelField(
        label,
        validators=[
            InputRequired(message),
            Length(max=40, message=_l("Enter at most %(max)s characters", max=40)),
        ],
        description=description,
    )


def _required_paragraphs(label, message, description=None) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            InputRequired(message),
            Length(max=2000, message=_l("Enter at most %(max)s characters", max=2000)),
        ],
        description=description,
    )


class ContactForm(PortalForm):
    """How the public reaches the department: the help page, the pickup page and emails."""

    version = HiddenField(validators=[InputRequired()])
    phone = _phone(
        _l("Phone number"),
        _l("Enter the department's phone number"),
        _l("For example 312-744-3449"),
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter the department's email address")),
            Email(_l("Enter an email address like name@example.gov")),
            Length(max=254, message=_l("Enter at most %(max)s characters", max=254)),
        ],
    )
    counter_address = _required_paragraphs(
        _l("Counter address"),
        _l("Enter the counter's address"),
        _l("Where owners pick up certificates and people come in person; one line each."),
    )
    opening_hours = _required_paragraphs(_l("Opening hours"), _l("Enter the opening hours"))
    processing_times = _required_paragraphs(
        _l("Processing times"),
        _l("Enter the processing times"),
        _l("As the department states them; one line each."),
    )

    def answers(self) -> dict[str, str]:
        return {name: self[name].data for name in CONTACT_FIELDS}


class AgencyForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Enter the agency's name")), Length(max=200)]
    )
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Email(_l("Enter an email address like name@example.gov"), check_deliverability=False),
            Length(max=254),
        ],
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    schedules_directly = BooleanField(
        _l("Books its own inspections: applicants contact it instead of requesting them here")
    )
    instructions = TextAreaField(
        _l("What the applicant does"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Shown to applicants beside the inspections this agency carries out."),
    )

    def answers(self) -> dict:
        return {
            "name": self.name.data or "",
            "phone": self.phone.data or "",
            "email": self.email.data or "",
            "address": self.address.data or "",
            "schedules_directly": bool(self.schedules_directly.data),
            "instructions": self.instructions.data or "",
        }
