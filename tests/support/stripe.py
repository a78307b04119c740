"""A stub Stripe API behind stripe's own HTTP client interface, Stripe-shaped events, and
webhook posts signed as Stripe signs them.

The objects start from Stripe's example objects (../shared/stripe/fixtures3.json), so
the fields the portal reads sit where Stripe puts them.
"""

import copy
import json
import secrets
import time
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import stripe

from portal.payments.models import Payment

# Stripe's example objects, copied from ../shared/stripe/fixtures3.json (stripe/openapi).
FIXTURES = Path(__file__).parent / "data" / "stripe_fixtures.json"
SECRET = "whsec_test_secret_for_the_suite"


@cache
def _fixtures() -> dict:
    return json.loads(FIXTURES.read_text())["resources"]


def fixture(name: str) -> dict:
    return copy.deepcopy(_fixtures()[name])


def stripe_session(payment: Payment, **fields) -> dict:
    """Stripe's example Checkout Session, made out for the payment, complete and paid."""
    session = fixture("checkout.session")
    session.update(
        {
            "id": payment.checkout_session_id,
            "mode": "payment",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": payment.amount_cents,
            "amount_subtotal": payment.amount_cents,
            "currency": "usd",
            "client_reference_id": f"payment-{payment.id}",
            "metadata": {"payment_id": str(payment.id), "permit_id": str(payment.permit_id)},
            "payment_intent": f"pi_{payment.id}_fixture",
            "customer_email": payment.customer_email,
        }
    )
    session.update(fields)
    return session


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    body = fixture("event")
    body.update(
        {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "type": event_type,
            "data": {"object": obj},
            "created": int(time.time()),
        }
    )
    return body


def signed(body: dict, secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(body)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp if timestamp is not None else int(time.time())
    )
    return payload.encode(), header


def post_event(client, body: dict, **kwargs):
    payload, header = signed(body, **kwargs)
    return client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": header},
        content_type="application/json",
    )


class StubStripe(stripe.HTTPClient):
    """Answers the Stripe API calls the portal makes and records what it was sent."""

    name = "stub"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.fail_next: int | None = None

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        params = dict(parse_qsl(body or parts.query, keep_blank_values=True))
        self.calls.append(
            {
                "method": method,
                "url": url,
                "path": parts.path,
                "params": params,
                "headers": dict(headers or {}),
            }
        )
        if self.fail_next:
            status, self.fail_next = self.fail_next, None
            error = {"error": {"type": "api_error", "message": "Stripe is down"}}
            return json.dumps(error), status, {}
        path = parts.path
        if method == "post" and path == "/v1/checkout/sessions":
            return self._create_session(params), 200, {}
        if method == "get" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                return json.dumps({"error": {"type": "invalid_request_error"}}), 404, {}
            return json.dumps(session), 200, {}
        if method == "get" and path == "/v1/checkout/sessions":
            listing = {
                "object": "list",
                "url": "/v1/checkout/sessions",
                "has_more": False,
                "data": list(self.sessions.values()),
            }
            return json.dumps(listing), 200, {}
        if method == "post" and path == "/v1/refunds":
            refund = fixture("refund")
            refund.update(
                {"id": f"re_{secrets.token_hex(6)}", "payment_intent": params["payment_intent"]}
            )
            return json.dumps(refund), 200, {}
        return json.dumps({"error": {"type": "invalid_request_error"}}), 404, {}

    def _create_session(self, params: dict) -> str:
        session = fixture("checkout.session")
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session.update(
            {
                "id": session_id,
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": sum(
                    int(v) for k, v in params.items() if k.endswith("[unit_amount]")
                ),
                "currency": "usd",
                "client_reference_id": params["client_reference_id"],
                "metadata": {
                    k[len("metadata[") : -1]: v
                    for k, v in params.items()
                    if k.startswith("metadata[")
                },
                "payment_intent": None,
                "customer_email": params["customer_email"],
                "expires_at": int(params["expires_at"]),
            }
        )
        self.sessions[session_id] = session
        return json.dumps(session)

    def pay(self, session_id: str, **fields) -> dict:
        """What Stripe's session looks like once the customer paid."""
        session = self.sessions[session_id]
        payment_id = session["metadata"]["payment_id"]
        session.update(
            {"status": "complete", "payment_status": "paid", "payment_intent": f"pi_{payment_id}"}
        )
        session.update(fields)
        return session

    def posts(self, path: str) -> list[dict]:
        return [call for call in self.calls if call["method"] == "post" and call["path"] == path]

    def close(self):
        pass
