"""`flask payments reconcile --since DATE`: find paid Checkout Sessions whose webhook was lost."""

from datetime import UTC, datetime

import click
import stripe
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.payments import fulfilment, stripe_events
from portal.payments.models import Payment, PaymentStatus
from portal.payments.stripe_client import gateway, test_mode

payments_cli = AppGroup("payments", help="Online payments.")


def reconcile(since: datetime) -> list[str]:
    """Fulfil every paid session since ``since`` that the portal has not; say what was found.

    Runs each session through the same fulfilment as the webhook, so a payment the
    webhook did fulfil meanwhile is left alone.
    """
    lines = []
    sessions = gateway().list_sessions(since)
    lines.append(f"{len(sessions)} Checkout Session(s) since {since:%Y-%m-%d}.")
    fixed = 0
    for session in sessions:
        payment_id = stripe_events.payment_id(session)
        payment = db.session.get(Payment, payment_id) if payment_id else None
        if payment is None or payment.checkout_session_id != session.get("id"):
            lines.append(f"  {session.get('id')}: not a portal payment, skipped")
            continue
        before = payment.status
        db.session.expire(payment)
        after = fulfilment.apply_session(session)
        db.session.expire_all()
        if after is None:
            continue
        if before == PaymentStatus.PENDING and after.status == PaymentStatus.SUCCEEDED:
            fixed += 1
            lines.append(
                f"  {session.get('id')}: payment {payment.id} was pending and Stripe says paid: "
                f"fulfilled, receipt {after.receipt_number}"
            )
        elif before != after.status:
            lines.append(
                f"  {session.get('id')}: payment {payment.id} "
                f"{before.value} -> {after.status.value}"
            )
        elif after.flagged_at is not None:
            lines.append(
                f"  {session.get('id')}: payment {payment.id} needs staff: {after.flag_reason}"
            )
        else:
            lines.append(f"  {session.get('id')}: payment {payment.id} already {before.value}")
    lines.append(f"Fixed {fixed} payment(s).")
    return lines


@payments_cli.command("reconcile")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Look at Checkout Sessions created on or after this date (YYYY-MM-DD, UTC).",
)
def reconcile_command(since: datetime) -> None:
    """Ask Stripe for the Checkout Sessions since DATE and fulfil any paid one the portal missed."""
    if test_mode():
        click.echo("Test mode (no STRIPE_SECRET_KEY): there is no Stripe account to reconcile.")
        return
    base = current_app.config["PORTAL_BASE_URL"]
    # Receipts and emails build links, which need a request context.
    with current_app.test_request_context(base_url=base):
        try:
            lines = reconcile(since.replace(tzinfo=UTC))
        except stripe.StripeError as error:
            raise click.ClickException(f"Stripe refused the request: {error}") from None
    for line in lines:
        click.echo(line)
    pending = db.session.scalar(
        select(db.func.count(Payment.id)).where(Payment.status == PaymentStatus.PENDING)
    )
    click.echo(f"{pending} payment(s) still pending in the portal.")
