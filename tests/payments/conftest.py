import pytest

from portal.extensions import db
from portal.payments import checkout, services
from portal.payments.models import FeeKind
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
from tests.payments.factories import SECRET, StubStripe


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


@pytest.fixture
def started(owner, permit, stripe_stub):  # noqa: F811 - the fixtures imported above
    """A pending card payment for a reinspection fee and an inspection fee."""
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access at the visit")
    services.assess_fee(permit, FeeKind.INSPECTION, reason="Boiler", amount_cents=5000)
    db.session.commit()
    fee_ids = [fee.id for fee in services.fees_for_permit(permit.id)]
    return checkout.start_checkout(permit, owner, fee_ids)
