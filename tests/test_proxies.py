"""Behind a load balancer: TRUSTED_PROXY_COUNT says how many proxies' X-Forwarded-* headers
to believe, so rate limits and the audit log see the client, not the proxy; with 0 (the
default) the headers are ignored, since any client can send them."""

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import create_app
from portal.audit import AuditEvent
from portal.config import UnsafeConfiguration
from portal.extensions import db
from tests.support.client import PortalClient

PROXY = "10.0.0.5"
# ADDRESS_FAILURES in portal/auth/routes.py: 20 wrong sign-ins per address per 15 minutes.
ADDRESS_LIMIT = 20
SUITE_SETTINGS = (
    "TESTING",
    "SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI",
    "DOCUMENT_STORE_PATH",
    "MAIL_FILE_DIR",
    "MAIL_SERVER",
)


@pytest.fixture
def app_behind(app):
    """An app like the suite's (same database) trusting this many proxies. One per test:
    each create_app gives the shared rate limiter a fresh store."""
    made = []

    def build(count: int) -> Flask:
        settings = {name: app.config[name] for name in SUITE_SETTINGS}
        built = create_app({**settings, "TRUSTED_PROXY_COUNT": count})
        built.test_client_class = PortalClient
        made.append(built)
        return built

    yield build
    for built in made:
        with built.app_context():
            db.engine.dispose()


def _wrong_sign_in(client, n: int, forwarded_for: str):
    # A new email each time, so only the per-address limit can bite.
    return client.post(
        "/account/sign-in",
        data={"email": f"guess{n}@example.com", "password": "not the password"},
        environ_base={"REMOTE_ADDR": PROXY},
        headers={"X-Forwarded-For": forwarded_for},
    )


def _addresses_recorded() -> set[str]:
    return set(db.session.scalars(select(AuditEvent.ip_address)))


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app_behind):
    client = app_behind(0).test_client()
    for n in range(ADDRESS_LIMIT):
        assert _wrong_sign_in(client, n, f"198.51.100.{n}").status_code == 200
    # A new forged address does not escape the limit on the real one.
    assert _wrong_sign_in(client, 99, "203.0.113.99").status_code == 429
    assert _addresses_recorded() == {PROXY}


def test_behind_one_proxy_each_client_has_its_own_limit_and_address(app_behind):
    proxied = app_behind(1)
    alice, bob = proxied.test_client(), proxied.test_client()
    for n in range(ADDRESS_LIMIT):
        # What the client sent itself comes first; only the proxy's own entry is believed.
        forwarded = f"192.0.2.{n}, 198.51.100.7"
        assert _wrong_sign_in(alice, n, forwarded).status_code == 200
    assert _wrong_sign_in(alice, 99, "198.51.100.7").status_code == 429

    assert _wrong_sign_in(bob, 100, "198.51.100.8").status_code == 200
    assert _addresses_recorded() == {"198.51.100.7", "198.51.100.8"}


def test_the_proxy_count_sets_which_headers_are_believed(app_behind):
    assert not isinstance(app_behind(0).wsgi_app, ProxyFix)
    middleware = app_behind(2).wsgi_app
    assert isinstance(middleware, ProxyFix)
    assert (middleware.x_for, middleware.x_proto, middleware.x_host) == (2, 2, 2)


@pytest.mark.parametrize(
    ("value", "complaint"),
    [("-1", "TRUSTED_PROXY_COUNT must be 0"), ("two", "TRUSTED_PROXY_COUNT must be a whole")],
)
def test_a_bad_proxy_count_refuses_to_start(monkeypatch, value, complaint):
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", value)
    with pytest.raises(UnsafeConfiguration, match=complaint):
        create_app()
