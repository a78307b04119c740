"""Forms for fees and payments: paying, test-mode checkout, refunds, counter payments."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import MultiCheckboxField, PortalForm
from portal.payments.models import PaymentMethod, PaymentStatus
from portal.payments.services import NEEDS_ATTENTION, PAYMENT_SORTS, PaymentFilters
from portal.queues import QueueForm


class WaiveForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason for the waiver"),
        validators=[InputRequired(_l("Enter the reason for the waiver")), Length(max=2000)],
        description=_l("The people on the permit read this."),
    )


class PayForm(PortalForm):
    # The service decides which fees can be paid, and says why when one cannot.
    fees = MultiCheckboxField(
        _l("Fees to pay"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Select the fees you want to pay"))],
        description=_l("All outstanding fees are selected. Untick any you will pay later."),
    )


class TestCheckoutForm(PortalForm):
    """Test mode's stand-in for Stripe's page: which outcome to pretend the card had."""

    action = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice("pay", _l("Pay")),
            SelectChoice("decline", _l("Decline")),
            SelectChoice("cancel", _l("Cancel")),
        ],
        validators=[InputRequired()],
    )


class RefundForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason for the refund"),
        validators=[InputRequired(_l("Enter the reason for the refund")), Length(max=2000)],
        description=_l("The payer reads this in the refund email."),
    )
    reopen = BooleanField(_l("Make the refunded fees outstanding again"))


class CounterPaymentForm(PortalForm):
    fees = MultiCheckboxField(
        _l("Fees paid"),
        coerce=int,
        validators=[InputRequired(_l("Select the fees that were paid"))],
    )
    method = RadioField(
        _l("Paid by"),
        choices=[
            SelectChoice(PaymentMethod.CASH.value, _l("Cash")),
            SelectChoice(PaymentMethod.CHECK.value, _l("Check")),
        ],
        validators=[InputRequired(_l("Choose cash or check"))],
    )
    reference = StringField(
        _l("Cash receipt or check number"),
        validators=[InputRequired(_l("Enter the receipt or check number")), Length(max=200)],
    )


class PaymentFilterForm(QueueForm):
    """The staff payments list's filters, sent by GET so a view can be bookmarked."""

    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Any status")),
            SelectChoice(NEEDS_ATTENTION, _l("Needs attention")),
        ]
        + [SelectChoice(status.value, status.label) for status in PaymentStatus],
        validators=[Optional()],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice(key, label) for key, label in PAYMENT_SORTS.items()],
        validators=[Optional()],
    )

    def filters(self) -> PaymentFilters:
        """The filters in force: a refused one is left out."""
        return PaymentFilters(
            status=self.value("status", ""),
            date_from=self.value("date_from"),
            date_to=self.value("date_to"),
            search=self.search,
            sort=self.sort_key,
        )
