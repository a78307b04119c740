"""Forms for claiming permits, inviting and adding parties, importing and exporting permits."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.forms import PortalDateField, PortalForm
from portal.permits.models import PartyRole, PermitStatus, Trade
from portal.permits.public_status import MAX_QUERY, printable


def _trade_choices():
    return [SelectChoice("", _l("No particular trade"))] + [
        SelectChoice(trade.value, trade.label) for trade in Trade
    ]


class ClaimForm(PortalForm):
    permit_number = StringField(
        _l("Permit number"),
        validators=[DataRequired(_l("Enter the permit number")), Length(max=40)],
        description=_l("As printed on your building permit, for example BP-2026-000123."),
    )
    access_code = StringField(
        _l("Access code"),
        validators=[DataRequired(_l("Enter the access code")), Length(max=32)],
        description=_l("The code in the department's letter about your permit."),
    )


class _PartyFields(PortalForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter an email address")),
            Email(_l("Enter an email address in the correct format, like name@example.com")),
            Length(max=254),
        ],
    )
    trade = SelectField(_l("Trade"), choices=_trade_choices, validators=[Optional()])
    license_number = StringField(
        _l("License number"),
        validators=[Optional(), Length(max=60)],
        description=_l("The contractor's license number with the city, if they have one."),
    )


class InviteForm(_PartyFields):
    role = RadioField(
        _l("Their role"),
        choices=[
            SelectChoice(
                PartyRole.CONTRACTOR.value, _l("Contractor: may request inspections and pay fees")
            ),
            SelectChoice(
                PartyRole.AGENT.value, _l("Agent: may also fill in the C of O application for you")
            ),
        ],
        validators=[InputRequired(_l("Choose their role"))],
    )


class AddPartyForm(_PartyFields):
    role = RadioField(
        _l("Role"),
        choices=[SelectChoice(role.value, role.label) for role in PartyRole],
        validators=[InputRequired(_l("Choose a role"))],
    )


class ImportForm(PortalForm):
    file = FileField(
        _l("Permit file (CSV)"),
        validators=[FileRequired(_l("Choose a CSV file to import"))],
    )


def _excel_field() -> BooleanField:
    return BooleanField(
        _l("For Excel on Windows"),
        description=_l(
            "Adds a mark at the start of the file so Excel shows accented letters correctly "
            "when the file is opened by double-click. Leave it unticked for the open data "
            "portal and other programs."
        ),
    )


class PermitExportForm(PortalForm):
    """The permits export's filters. Posted: it creates an export (exports.start); the
    exports page also reads them from its query string, where the old download links
    (/staff/permits/export.csv?...) send them."""

    issued_from = PortalDateField(
        _l("Issued on or after"), validators=[Optional()], description=_l("For example 2026-01-01")
    )
    issued_to = PortalDateField(
        _l("Issued on or before"), validators=[Optional()], description=_l("For example 2026-12-31")
    )
    status = SelectField(
        _l("Permit status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(status.value, status.label) for status in PermitStatus],
        validators=[Optional()],
    )
    excel = _excel_field()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.issued_from.data, self.issued_to.data
        if valid and start and end and end < start:
            self.issued_to.errors.append(
                _l("The “issued on or before” date must be on or after the other date.")
            )
            return False
        return valid


class InspectionExportForm(PortalForm):
    """The inspections export: no filters, the Excel choice only (named apart from the
    permits' form's, beside it on the same page)."""

    inspections_excel = _excel_field()


class StatusSearchForm(PortalForm):
    """The public status lookup, read from the query string: nothing to protect with CSRF."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Permit number or address"),
        description=_l(
            "For example BP-2026-100001, or a house number and street such as 1456 Milwaukee"
        ),
        filters=[lambda value: " ".join(printable(value).split()) if value else value],
        validators=[
            # DataRequired, not InputRequired: only spaces is blank once the filter ran.
            DataRequired(message=_l("Enter a permit number or an address")),
            Length(max=MAX_QUERY, message=_l("Enter at most %(max)s characters", max=MAX_QUERY)),
        ],
    )
