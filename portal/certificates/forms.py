"""Forms for issuing and correcting certificates, the counter's hours and pickups."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.applications.forms import CONSTRUCTION_TYPES, OCCUPANCY_GROUPS
from portal.applications.models import CertificateType
from portal.certificates.answers import MAX_LOAD
from portal.certificates.errors import CONFIRM_REVOKE_MESSAGE
from portal.forms import MultiCheckboxField, PortalDateField, PortalForm, WholeNumberField

TYPE_CHOICES = [
    SelectChoice(
        CertificateType.FULL.value, _l("Final: the whole building, for good (finals the permit)")
    ),
    SelectChoice(CertificateType.PARTIAL.value, _l("Partial: a described part of the building")),
    SelectChoice(CertificateType.TEMPORARY.value, _l("Temporary: until an expiry date")),
]
WEEKDAYS = [
    SelectChoice("0", _l("Monday")),
    SelectChoice("1", _l("Tuesday")),
    SelectChoice("2", _l("Wednesday")),
    SelectChoice("3", _l("Thursday")),
    SelectChoice("4", _l("Friday")),
    SelectChoice("5", _l("Saturday")),
    SelectChoice("6", _l("Sunday")),
]
DATE_HINT = _l("For example 2026-09-15")


class _CertificateFields(PortalForm):
    certificate_type = RadioField(
        _l("Certificate type"),
        choices=TYPE_CHOICES,
        validators=[InputRequired(_l("Choose the certificate type"))],
    )
    portion_of_building = StringField(
        _l("Portion of building"),
        validators=[
            InputRequired(_l("Enter the portion of the building the certificate covers")),
            Length(max=300),
        ],
        description=_l("For a partial certificate, the part it covers, e.g. floors 1 to 3."),
    )
    occupancy_load = WholeNumberField(
        _l("Occupancy load (people)"),
        validators=[
            InputRequired(_l("Enter the occupancy load")),
            NumberRange(min=1, max=MAX_LOAD, message=_l("Enter an occupancy load above 0")),
        ],
    )
    occupancy_groups = MultiCheckboxField(
        _l("Occupancy group or groups"), choices=OCCUPANCY_GROUPS, validators=[Optional()]
    )
    construction_type = SelectField(
        _l("Construction type"),
        choices=[SelectChoice("", _l("Select"))]
        + [SelectChoice(code, label) for code, label in CONSTRUCTION_TYPES.items()],
        validators=[Optional()],
    )
    granted_date = PortalDateField(
        _l("Granted date"),
        validators=[InputRequired(_l("Enter the granted date"))],
        description=DATE_HINT,
    )
    expires_on = PortalDateField(
        _l("Expiry date (temporary certificates)"),
        validators=[Optional()],
        description=_l("Required for a temporary certificate. For example 2026-12-31"),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    conditions = TextAreaField(
        _l("Conditions or outstanding matters"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Required when the C of O inspection was granted with outstanding matters."),
    )
    outstanding_matters = TextAreaField(
        _l("Outstanding matters to finish"),
        validators=[Optional(), Length(max=4000)],
        description=_l(
            "Required for a temporary certificate: what must be finished before it expires."
        ),
    )

    def validate_expires_on(self, field):
        if self.certificate_type.data == CertificateType.TEMPORARY.value:
            if field.data is None and not field.errors:
                raise ValidationError(_l("Enter the date the temporary certificate expires"))
            if field.data and self.granted_date.data and field.data <= self.granted_date.data:
                raise ValidationError(_l("The expiry date must be after the granted date"))

    def answers(self) -> dict:
        return {
            "certificate_type": self.certificate_type.data,
            "portion_of_building": self.portion_of_building.data,
            "occupancy_load": self.occupancy_load.data,
            "occupancy_groups": self.occupancy_groups.data or [],
            "construction_type": self.construction_type.data or "",
            "granted_date": self.granted_date.data,
            "expires_on": self.expires_on.data,
            "description": self.description.data or "",
            "conditions": self.conditions.data or "",
            "outstanding_matters": self.outstanding_matters.data or "",
        }


class _RecipientsField(PortalForm):
    """Who receives the certificate email: the permit's contacts, all ticked by default."""

    recipients = MultiCheckboxField(
        _l("Email the certificate to"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose who receives the certificate email"))],
    )


class IssueForm(_CertificateFields, _RecipientsField):
    version = HiddenField(validators=[InputRequired()])
    confirm_owner_involved = BooleanField(
        _l("The owner was involved in the project"),
        validators=[InputRequired(_l("Confirm that the owner was involved in the project"))],
    )
    confirm_professionals = BooleanField(
        _l("The licensed professionals are verified"),
        validators=[InputRequired(_l("Confirm that the licensed professionals are verified"))],
    )
    confirm_records_finaled = BooleanField(
        _l("All related records are finaled"),
        validators=[InputRequired(_l("Confirm that all related records are finaled"))],
    )

    def answers(self) -> dict:
        return {
            **super().answers(),
            "confirm_owner_involved": self.confirm_owner_involved.data,
            "confirm_professionals": self.confirm_professionals.data,
            "confirm_records_finaled": self.confirm_records_finaled.data,
        }


class ResendForm(_RecipientsField):
    pass


class ExtendForm(PortalForm):
    expires_on = PortalDateField(
        _l("New expiry date"),
        validators=[InputRequired(_l("Enter the new expiry date"))],
        description=DATE_HINT,
    )
    reason = TextAreaField(
        _l("Why it is extended"),
        validators=[InputRequired(_l("Enter why the certificate is extended")), Length(max=2000)],
    )


class OccupancyRequestForm(PortalForm):
    kind = RadioField(
        _l("What do you want to occupy?"),
        choices=[
            SelectChoice("partial", _l("Part of the building, finished for good (partial)")),
            SelectChoice(
                "temporary",
                _l("The building or a part before everything is finished, for a time (temporary)"),
            ),
        ],
        validators=[InputRequired(_l("Choose partial or temporary occupancy"))],
    )
    portion = StringField(
        _l("Which part of the building"),
        validators=[
            InputRequired(_l("Enter which part of the building to occupy")),
            Length(max=300),
        ],
        description=_l("Floors, units or area, for example: Floors 1-3, units 101-312"),
    )
    wanted_from = PortalDateField(
        _l("From when"),
        validators=[InputRequired(_l("Enter the date you want to occupy from"))],
        description=DATE_HINT,
    )
    reason = TextAreaField(
        _l("Why you need to occupy it now"),
        validators=[InputRequired(_l("Enter why you need to occupy it now")), Length(max=4000)],
    )
    documents = MultipleFileField(
        _l("Documents"),
        description=_l("For example a floor plan of the portion. PDF, PNG or JPEG."),
    )


class ExtensionRequestForm(PortalForm):
    extend_to = PortalDateField(
        _l("Extend it to"),
        validators=[InputRequired(_l("Enter the date you need it extended to"))],
        description=DATE_HINT,
    )
    reason = TextAreaField(
        _l("Why you need more time"),
        validators=[InputRequired(_l("Enter why you need more time")), Length(max=4000)],
    )


class OptionalRequestForm(PortalForm):
    reason = TextAreaField(
        _l("Why you want a Certificate of Occupancy"),
        validators=[InputRequired(_l("Enter why you want a certificate")), Length(max=4000)],
        description=_l("For example a lender or insurer asks for one."),
    )


class CorrectionForm(_CertificateFields):
    reason = TextAreaField(
        _l("What was corrected"),
        validators=[InputRequired(_l("Enter what was corrected")), Length(max=2000)],
    )


class VersionForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])


class RefuseRequestForm(VersionForm):
    reason = TextAreaField(
        _l("Reason for refusing"),
        validators=[
            InputRequired(_l("Enter the reason for refusing the request")),
            Length(max=4000),
        ],
    )


class NotApplicableForm(VersionForm):
    reason = TextAreaField(
        _l("Why a certificate is not applicable"),
        validators=[InputRequired(_l("Enter the reason")), Length(max=4000)],
    )


class RevokeForm(PortalForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[InputRequired(_l("Enter the reason for revoking the certificate"))],
    )
    # Revoking cannot be undone, so one click on the button is not enough.
    confirm = BooleanField(
        _l("I understand this withdraws the certificate"),
        validators=[InputRequired(CONFIRM_REVOKE_MESSAGE)],
    )


class BookForm(PortalForm):
    opening = RadioField(
        _l("Choose a time"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose a time to pick up the certificate"))],
    )


class RescheduleForm(BookForm):
    version = HiddenField(validators=[InputRequired()])


class PickedUpForm(VersionForm):
    collected_by = StringField(
        _l("Collected by"),
        validators=[
            InputRequired(_l("Enter the name of the person who collected it")),
            Length(max=200),
        ],
    )
    identity_checked = BooleanField(
        _l("I checked their photo identification"),
        validators=[
            InputRequired(_l("Check the collector's photo identification, then tick the box"))
        ],
    )


class SlotForm(PortalForm):
    weekday = SelectField(_l("Day of the week"), choices=WEEKDAYS, validators=[InputRequired()])
    start = TimeField(_l("Opens at"), validators=[InputRequired(_l("Enter the start time"))])
    end = TimeField(_l("Closes at"), validators=[InputRequired(_l("Enter the end time"))])
    capacity = WholeNumberField(
        _l("People per slot"),
        validators=[
            InputRequired(_l("Enter how many people can come")),
            NumberRange(min=1, max=200, message=_l("Enter a number from 1 to 200")),
        ],
    )

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end time must be after the start time"))


class ClosedDayForm(PortalForm):
    day = PortalDateField(
        _l("Date"), validators=[InputRequired(_l("Enter the date"))], description=DATE_HINT
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
