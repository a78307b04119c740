"""Stripe, or the portal's own test-mode stand-in when no secret key is configured.

Both answer in Stripe's shapes (plain dicts), so fulfilment reads one kind of object
whichever is behind it. Test mode is refused in production by portal.config.
"""

import secrets
from datetime import datetime

import stripe
from flask import current_app, url_for
from stripe.params import RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from portal.models import utcnow

# In test mode an empty STRIPE_WEBHOOK_SECRET falls back to this, so test-mode payments
# sign and verify their events with the same code as real webhooks. It is published here,
# so it must never verify an event when a real Stripe key is configured.
DEVELOPMENT_WEBHOOK_SECRET = "whsec_portal_development_only"  # noqa: S105 - test mode only


class WebhookSecretMissing(RuntimeError):
    """A Stripe key is configured (or this is production) but STRIPE_WEBHOOK_SECRET is not."""


def test_mode() -> bool:
    return not current_app.config.get("STRIPE_SECRET_KEY")


def webhook_secret() -> str:
    """The secret webhook events are signed with. The development secret serves test mode
    only: with a real Stripe key, anyone who read the source could sign an event with it
    and mark fees paid. (portal.config refuses to start so configured; this holds even if
    the configuration changes after start-up.)"""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET", "")
    if secret:
        return secret
    if not test_mode() or current_app.config.get("PORTAL_ENV") == "production":
        raise WebhookSecretMissing(
            "STRIPE_WEBHOOK_SECRET is not set: the development secret verifies test-mode "
            "events only, and a Stripe key is configured (or PORTAL_ENV=production)"
        )
    return DEVELOPMENT_WEBHOOK_SECRET


def build_client(http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """The configured client; STRIPE_API_BASE points it at stripe-mock or a simulator."""
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        current_app.config["STRIPE_SECRET_KEY"],
        max_network_retries=2,
        base_addresses={"api": base} if base else None,
        http_client=http_client,
    )


def _plain(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway:
    """The few Stripe calls the portal makes, answering plain dicts."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def create_session(self, params: SessionCreateParams, idempotency_key: str) -> dict:
        session = self.client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
        return _plain(session)

    def retrieve_session(self, session_id: str) -> dict:
        return _plain(self.client.v1.checkout.sessions.retrieve(session_id))

    def list_sessions(self, since: datetime) -> list[dict]:
        page = self.client.v1.checkout.sessions.list(
            params={"created": {"gte": int(since.timestamp())}, "limit": 100}
        )
        return [_plain(session) for session in page.auto_paging_iter()]

    def create_refund(self, params: RefundCreateParams, idempotency_key: str) -> dict:
        refund = self.client.v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
        return _plain(refund)


class TestModeGateway:
    """Checkout without Stripe: the session lives in the payment row, the page is the portal's.

    The answers mirror Stripe's objects closely enough for the one fulfilment path.
    """

    def create_session(self, params: SessionCreateParams, idempotency_key: str) -> dict:
        payment_id = int(params["metadata"]["payment_id"])
        session_id = f"cs_test_portal_{payment_id}_{secrets.token_hex(8)}"
        return {
            "id": session_id,
            "object": "checkout.session",
            "url": url_for(
                "payments.test_checkout",
                permit_id=int(params["metadata"]["permit_id"]),
                payment_id=payment_id,
            ),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": sum(
                item["price_data"]["unit_amount"] * item["quantity"]
                for item in params["line_items"]
            ),
            "currency": "usd",
            "expires_at": params["expires_at"],
            "client_reference_id": params["client_reference_id"],
            "metadata": params["metadata"],
            "payment_intent": None,
            "livemode": False,
        }

    def retrieve_session(self, session_id: str) -> dict:
        from portal.payments.fulfilment import session_from_payment

        return session_from_payment(session_id)

    def list_sessions(self, since: datetime) -> list[dict]:
        return []

    def create_refund(self, params: RefundCreateParams, idempotency_key: str) -> dict:
        return {
            "id": f"re_test_portal_{secrets.token_hex(8)}",
            "object": "refund",
            "amount": params.get("amount"),
            "currency": "usd",
            "payment_intent": params["payment_intent"],
            "status": "succeeded",
            "created": int(utcnow().timestamp()),
            "metadata": params.get("metadata", {}),
        }


def gateway() -> StripeGateway | TestModeGateway:
    """Stripe when a secret key is configured, the test-mode stand-in otherwise.

    One client per app and configuration, so its HTTP connections are reused. Tests set
    ``STRIPE_HTTP_CLIENT`` in the app config to a stub stripe.HTTPClient.
    """
    if test_mode():
        return TestModeGateway()
    config = current_app.config
    key = (
        config["STRIPE_SECRET_KEY"],
        config.get("STRIPE_API_BASE"),
        id(config.get("STRIPE_HTTP_CLIENT")),
    )
    cache = current_app.extensions.setdefault("portal_stripe", {})
    if key not in cache:
        cache.clear()
        cache[key] = StripeGateway(build_client(config.get("STRIPE_HTTP_CLIENT")))
    return cache[key]
