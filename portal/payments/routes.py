"""The permit's fees page (issue 4 adds paying) and staff waivers."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import permit_party, staff
from portal.errors import DomainError
from portal.payments import services
from portal.payments.forms import WaiveForm
from portal.payments.models import FeeStatus
from portal.permits.models import Permit

bp = Blueprint("payments", __name__)


def _fees_page(permit: Permit, failed_fee_id: int | None = None, failed_form=None):
    fees = services.fees_for_permit(permit.id)
    forms = {}
    if current_user.is_staff:
        for fee in fees:
            if fee.status != FeeStatus.OUTSTANDING:
                continue
            if fee.id == failed_fee_id:
                forms[fee.id] = failed_form
                continue
            form = WaiveForm(formdata=None, prefix=f"fee-{fee.id}")
            form.version.data = str(fee.version)
            forms[fee.id] = form
    outstanding = [fee for fee in fees if fee.status == FeeStatus.OUTSTANDING]
    return render_template(
        "payments/fees.html",
        permit=permit,
        fees=fees,
        outstanding_cents=sum(fee.amount_cents for fee in outstanding),
        waive_forms=forms,
        form=failed_form,
    )


@bp.get("/permits/<int:permit_id>/fees")
@permit_party()
def fees(permit: Permit):
    return _fees_page(permit)


@bp.post("/staff/fees/<int:fee_id>/waive")
@staff
def waive(fee_id: int):
    fee = services.fee_for_staff(fee_id)
    if fee is None:
        abort(404)
    form = WaiveForm(prefix=f"fee-{fee.id}")
    if form.validate_on_submit():
        try:
            services.waive_fee(
                fee, current_user._get_current_object(), form.reason.data, form.version.data
            )
        except DomainError as error:
            form.reason.errors.append(error.message)
            # The page shows the fee as it is now; a second submit acts on that.
            form.version.data = str(fee.version)
        else:
            flash(_("The fee was waived."), "success")
            return redirect(url_for("payments.fees", permit_id=fee.permit_id))
    return _fees_page(fee.permit, fee.id, form)
