"""Forms for claiming permits, inviting and adding parties, and importing permits."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.forms import PortalForm
from portal.permits.models import PartyRole, Trade


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
    email = StringField(
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
