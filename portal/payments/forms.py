"""Forms for the fee ledger: staff waive a fee with a reason."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.forms import PortalForm


class WaiveForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason for the waiver"),
        validators=[InputRequired(_l("Enter the reason for the waiver")), Length(max=2000)],
        description=_l("The people on the permit read this."),
    )
