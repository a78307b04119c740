"""The fee and payment tests use the inspections' permit world of tests/conftest.py, every
one of them on its fixed day; and a stub in place of Stripe."""

import pytest

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
