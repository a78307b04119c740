"""Fees and payments: the permit's fees page, paying, the return and receipt pages, the
Stripe webhook, test-mode checkout, and the staff payments list, refunds and counter."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.access import current_actor, public, staff
from portal.documents.store import send_stored
from portal.errors import DomainError
from portal.extensions import csrf, db
from portal.money import format_cents
from portal.payments import checkout, fulfilment, receipt_delivery, services
from portal.payments.forms import (
    CounterPaymentForm,
    PayForm,
    PaymentFilterForm,
    RefundForm,
    TestCheckoutForm,
    WaiveForm,
)
from portal.payments.models import FeeKind, FeeStatus, PaymentMethod, PaymentStatus
from portal.payments.stripe_client import WebhookSecretMissing, test_mode
from portal.permits.access import permit_party
from portal.permits.models import Permit

bp = Blueprint("payments", __name__)


def _outstanding_choices(fees, held: set[int]) -> list[SelectChoice]:
    return [
        SelectChoice(fee.id, f"{checkout.describe(fee)}: {format_cents(fee.amount_cents)}")
        for fee in fees
        if fee.status == FeeStatus.OUTSTANDING and fee.id not in held
    ]


def _fees_page(permit: Permit, failed_fee_id: int | None = None, failed_form=None, pay_form=None):
    fees = services.fees_for_permit(permit.id)
    payments = services.payments_for_permit(permit.id)
    open_payments = [p for p in payments if p.status == PaymentStatus.PENDING]
    held = {line.fee_id for p in open_payments for line in p.lines}
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
    choices = _outstanding_choices(fees, held)
    if pay_form is None and choices and not current_user.is_staff:
        pay_form = PayForm(formdata=None)
        pay_form.fees.data = [choice.value for choice in choices]
    if pay_form is not None:
        pay_form.fees.choices = choices
    outstanding = [fee for fee in fees if fee.status == FeeStatus.OUTSTANDING]
    return render_template(
        "payments/fees.html",
        permit=permit,
        fees=fees,
        payments=payments,
        open_payments=[p for p in open_payments if p.flagged_at is None],
        paid_by=services.receipts_by_fee(payments),
        outstanding_cents=sum(fee.amount_cents for fee in outstanding),
        waive_forms=forms,
        pay_form=pay_form,
        form=failed_form or pay_form,
        test_mode=test_mode(),
    )


@bp.get("/permits/<int:permit_id>/fees")
@permit_party()
def fees(permit: Permit):
    return _fees_page(permit)


@bp.post("/permits/<int:permit_id>/fees/pay")
@permit_party(staff_allowed=False)
def pay(permit: Permit):
    form = PayForm()
    if form.validate_on_submit():
        try:
            payment = checkout.start_checkout(permit, current_actor(), form.fees.data)
        except DomainError as error:
            form.fees.errors.append(error.message)
        else:
            return redirect(payment.checkout_url, code=303)
    return _fees_page(permit, pay_form=form)


def _payment_or_404(permit: Permit, payment_id: int):
    payment = services.payment_on_permit(permit.id, payment_id)
    if payment is None:
        abort(404)
    return payment


@bp.get("/permits/<int:permit_id>/payments/<int:payment_id>")
@permit_party()
def payment(permit: Permit, payment_id: int):
    """Where Stripe sends the payer back, and the payment's receipt page afterwards."""
    payment = _payment_or_404(permit, payment_id)
    session_id = request.args.get("session_id")
    if session_id is not None and session_id != payment.checkout_session_id:
        return render_template(
            "payments/payment.html", permit=permit, payment=payment, bad_link=True
        ), 400
    if payment.status == PaymentStatus.PENDING and payment.is_online:
        payment = checkout.refresh(payment)
    return render_template(
        "payments/payment.html",
        permit=permit,
        payment=payment,
        bad_link=False,
        # A paid reinspection fee lifts the block on new inspection requests.
        paid_reinspection=any(line.fee.kind == FeeKind.REINSPECTION for line in payment.lines)
        and not services.unpaid_reinspection_fees(permit.id),
    )


@bp.get("/permits/<int:permit_id>/payments/<int:payment_id>/cancelled")
@permit_party()
def cancelled(permit: Permit, payment_id: int):
    payment = _payment_or_404(permit, payment_id)
    return render_template("payments/cancelled.html", permit=permit, payment=payment)


@bp.get("/permits/<int:permit_id>/payments/<int:payment_id>/receipt.pdf")
@permit_party()
def receipt(permit: Permit, payment_id: int):
    payment = _payment_or_404(permit, payment_id)
    if payment.receipt_number is None:
        abort(404)
    if payment.receipt_file is None:
        # Not issued yet (the outbox run issues receipts every minute): issue it now.
        try:
            payment = receipt_delivery.issue_receipt(payment.id)
        except receipt_delivery.ReceiptNotReady as error:
            return render_template(
                "errors/error.html", code=503, title=_("Receipt not ready"), message=error.message
            ), 503
    return send_stored(payment.receipt_file, f"receipt-{payment.receipt_number}.pdf")


@bp.route(
    "/permits/<int:permit_id>/payments/<int:payment_id>/test-checkout", methods=["GET", "POST"]
)
@permit_party(staff_allowed=False)
def test_checkout(permit: Permit, payment_id: int):
    """Test mode's checkout page: the same events Stripe would send, signed and handled by
    the webhook's own code. Never available with a Stripe key (and so never in production)."""
    if not test_mode():
        abort(404)
    payment = _payment_or_404(permit, payment_id)
    if payment.method != PaymentMethod.TEST:
        abort(404)
    form = TestCheckoutForm()
    if payment.status == PaymentStatus.PENDING and form.validate_on_submit():
        action = form.action.data
        if action == "cancel":
            return redirect(
                url_for("payments.cancelled", permit_id=permit.id, payment_id=payment.id)
            )
        if action == "pay":
            session = fulfilment.test_session(
                payment, "complete", "paid", payment_intent=f"pi_test_portal_{payment.id}"
            )
            event = fulfilment.test_event("checkout.session.completed", session)
        else:
            session = fulfilment.test_session(payment, "complete", "unpaid")
            event = fulfilment.test_event("checkout.session.async_payment_failed", session)
        fulfilment.deliver_test_event(event)
        return redirect(
            url_for(
                "payments.payment",
                permit_id=permit.id,
                payment_id=payment.id,
                session_id=payment.checkout_session_id,
            )
        )
    return render_template("payments/test_checkout.html", permit=permit, payment=payment, form=form)


@bp.post("/payments/stripe/webhook")
@public
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events; the signature, not a CSRF token, proves the sender."""
    try:
        result = fulfilment.handle_webhook(
            request.get_data(cache=False), request.headers.get("Stripe-Signature")
        )
    except WebhookSecretMissing as error:
        # Nothing can prove the sender: refuse, and tell whoever reads the logs why.
        current_app.logger.error("Stripe webhook refused: %s", error)
        return {"received": False, "outcome": "not configured"}, 400
    return {"received": result.status == 200, "outcome": result.outcome}, result.status


# ---- staff --------------------------------------------------------------------------------


@bp.post("/staff/fees/<int:fee_id>/waive")
@staff
def waive(fee_id: int):
    fee = services.fee_for_staff(fee_id)
    if fee is None:
        abort(404)
    form = WaiveForm(prefix=f"fee-{fee.id}")
    if form.validate_on_submit():
        try:
            services.waive_fee(fee, current_actor(), form.reason.data, form.version.data)
        except DomainError as error:
            form.reason.errors.append(error.message)
            # The page shows the fee as it is now; a second submit acts on that.
            form.version.data = str(fee.version)
        else:
            flash(_("The fee was waived."), "success")
            return redirect(url_for("payments.fees", permit_id=fee.permit_id))
    return _fees_page(fee.permit, fee.id, form)


@bp.get("/staff/payments")
@staff
def staff_payments():
    form = PaymentFilterForm.from_request()
    filters = form.filters()
    return render_template(
        "payments/staff_list.html",
        form=form,
        page=services.payments_page(filters),
        totals=services.period_totals(filters),
    )


def _staff_payment_or_404(payment_id: int):
    payment = services.payment_for_staff(payment_id)
    if payment is None:
        abort(404)
    return payment


@bp.get("/staff/payments/<int:payment_id>")
@staff
def staff_payment(payment_id: int):
    payment = _staff_payment_or_404(payment_id)
    form = RefundForm(formdata=None)
    form.version.data = str(payment.version)
    return render_template("payments/staff_payment.html", payment=payment, form=form)


@bp.post("/staff/payments/<int:payment_id>/refund")
@staff
def refund(payment_id: int):
    payment = _staff_payment_or_404(payment_id)
    form = RefundForm()
    if form.validate_on_submit():
        try:
            services.refund_payment(
                payment,
                current_actor(),
                form.reason.data,
                form.reopen.data,
                form.version.data,
            )
        except DomainError as error:
            form.reason.errors.append(error.message)
            payment = _staff_payment_or_404(payment_id)
            form.version.data = str(payment.version)
        else:
            flash(_("The payment was refunded."), "success")
            return redirect(url_for("payments.staff_payment", payment_id=payment_id))
    return render_template("payments/staff_payment.html", payment=payment, form=form)


@bp.route("/staff/permits/<int:permit_id>/counter-payment", methods=["GET", "POST"])
@staff
def counter_payment(permit_id: int):
    permit = db.session.get(Permit, permit_id)
    if permit is None:
        abort(404)
    fees = services.fees_for_permit(permit.id)
    form = CounterPaymentForm()
    form.fees.choices = _outstanding_choices(fees, set())
    if request.method == "GET" and not form.fees.data:
        form.fees.data = [choice.value for choice in form.fees.choices]
    if form.validate_on_submit():
        try:
            payment = services.record_counter_payment(
                permit,
                current_actor(),
                form.fees.data,
                PaymentMethod(form.method.data),
                form.reference.data,
            )
        except DomainError as error:
            form.reference.errors.append(error.message)
        else:
            flash(
                _(
                    "Payment recorded. Receipt %(number)s is on its way to the payer.",
                    number=payment.receipt_number,
                ),
                "success",
            )
            return redirect(url_for("payments.staff_payment", payment_id=payment.id))
    return render_template("payments/counter_payment.html", permit=permit, form=form)
