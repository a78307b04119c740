"""The development webhook secret is published in the source: it verifies events in test
mode only. With a Stripe key and no STRIPE_WEBHOOK_SECRET the portal refuses to start, and
the webhook refuses every event; an unknown PORTAL_ENV is refused too."""

import logging

import pytest

from portal import create_app
from portal.config import UnsafeConfiguration
from portal.extensions import db
from portal.payments import checkout, services
from portal.payments.models import FeeKind, FeeStatus, PaymentStatus
from portal.payments.stripe_client import DEVELOPMENT_WEBHOOK_SECRET
from tests.factories.payments import reload_payment
from tests.support.stripe import event, post_event, stripe_session


@pytest.fixture
def started(owner, permit, stripe_stub):
    """A pending card payment through Stripe for a reinspection fee."""
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access at the visit")
    db.session.commit()
    fee_ids = [fee.id for fee in services.fees_for_permit(permit.id)]
    return checkout.start_checkout(permit, owner, fee_ids)


@pytest.mark.parametrize("portal_env", ["development", "test", "prod"])
def test_an_event_signed_with_the_development_secret_is_refused_with_a_stripe_key(
    app, client, monkeypatch, caplog, started, permit, portal_env
):
    # As if started with STRIPE_SECRET_KEY set and STRIPE_WEBHOOK_SECRET forgotten.
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")
    monkeypatch.setitem(app.config, "PORTAL_ENV", portal_env)
    body = event("checkout.session.completed", stripe_session(started))

    with caplog.at_level(logging.ERROR):
        response = post_event(client, body, secret=DEVELOPMENT_WEBHOOK_SECRET)

    assert response.status_code == 400
    assert "STRIPE_WEBHOOK_SECRET is not set" in caplog.text
    assert reload_payment(started.id).status == PaymentStatus.PENDING
    assert {fee.status for fee in services.fees_for_permit(permit.id)} == {FeeStatus.OUTSTANDING}


def test_a_stripe_key_without_a_webhook_secret_refuses_to_start(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(UnsafeConfiguration, match="STRIPE_WEBHOOK_SECRET must be set"):
        create_app()


@pytest.mark.parametrize("portal_env", ["prod", "Production", "production ", "staging"])
def test_an_unknown_portal_env_refuses_to_start_and_names_the_allowed_ones(monkeypatch, portal_env):
    monkeypatch.setenv("PORTAL_ENV", portal_env)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app()
    assert "PORTAL_ENV must be one of development, test, production" in str(refused.value)
    assert repr(portal_env) in str(refused.value)


@pytest.mark.parametrize("portal_env", ["development", "test"])
def test_the_known_development_environments_start(monkeypatch, portal_env):
    monkeypatch.setenv("PORTAL_ENV", portal_env)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["PORTAL_ENV"] == portal_env
