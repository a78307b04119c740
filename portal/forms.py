"""Form base classes shared by every feature."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

STALE_FORM_MESSAGE = _l(
    "This form was open too long or your session ended. Your answers are still here: "
    "check them and submit again."
)


class PortalForm(FlaskForm):
    """Every POST goes through one of these: it checks the CSRF token as part of the form.

    A stale or missing token becomes an ordinary form error, so the page comes back
    with what the user typed instead of a bare 400.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "csrf_token" in self.errors:
            self.csrf_token.errors = [STALE_FORM_MESSAGE]
        return valid


class ActionForm(PortalForm):
    """A button that changes something: only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
