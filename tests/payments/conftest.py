"""The fee and payment tests use the inspections' permit world of tests/conftest.py, every
one of them on its fixed day; and a stub in place of Stripe."""

import pytest

from portal.extensions import db
from portal.payments import checkout, services
from portal.payments.models import FeeKind
from tests.support.stripe import SECRET, StubStripe


@pytest.fixture(autouse=True)
def fixed_today(fixed_today):
    # tests/conftest.py's fixture of the same name, turned on for every test here.
    return fixed_today


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
