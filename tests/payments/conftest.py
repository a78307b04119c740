import pytest

from tests.inspections.conftest import (  # noqa: F401 - the same world for the fee tests
    contractor,
    contractor_client,
    fixed_today,
    inspector,
    owner,
    owner_client,
    permit,
    seeded,
    staff_client,
)
from tests.support.stripe import SECRET, StubStripe


@pytest.fixture
def webhook_secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)
    return SECRET


@pytest.fixture
def stripe_stub(app, monkeypatch, webhook_secret) -> StubStripe:
    """Stripe mode (a secret key) with every API call answered by the stub."""
    stub = StubStripe()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_portal_suite")
    monkeypatch.setitem(app.config, "STRIPE_HTTP_CLIENT", stub)
    return stub
