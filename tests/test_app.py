"""The application shell: health check, security headers, production refusals, error pages."""

import pytest

from portal import create_app
from portal.config import UnsafeConfiguration, load
from tests.support.pages import check_page


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_every_response_has_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_landing_page_passes_the_page_checker(client):
    response = client.get("/")
    assert response.status_code == 200
    check_page(response.data)


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    check_page(response.data)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 40}, "DATABASE_URL"),
        (
            {"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://u:p@db/portal"},
            "test-mode payments",
        ),
        ({"JOBS_LOCAL": "manual"}, "no email or receipt would ever be sent"),
    ],
)
def test_production_refuses_development_settings(monkeypatch, overrides, complaint):
    for name in (
        "SECRET_KEY",
        "DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "REDIS_URL",
        "JOBS_LOCAL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeConfiguration, match=complaint):
        create_app()


def _production(monkeypatch) -> None:
    for name in ("WEB_CONCURRENCY", "PORTAL_PROCESSES", "REDIS_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/portal")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")


def test_production_starts_with_safe_settings_and_sends_hsts(monkeypatch):
    _production(monkeypatch)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/no/such/page")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_only_a_database_server_is_pinged_before_each_use():
    from portal.config import engine_options

    assert "pool_pre_ping" not in engine_options("sqlite:////tmp/portal.sqlite3")
    assert engine_options("sqlite:////tmp/portal.sqlite3")["connect_args"]["timeout"] > 5
    assert engine_options("postgresql+psycopg://portal@db/portal")["pool_pre_ping"] is True


@pytest.mark.parametrize(
    ("declared", "complaint"),
    [
        ({"WEB_CONCURRENCY": "4"}, "REDIS_URL must be set when 4 processes"),
        ({"PORTAL_PROCESSES": "2"}, "REDIS_URL must be set when 2 processes"),
        (
            {
                "WEB_CONCURRENCY": "4",
                "REDIS_URL": "redis://cache.internal:6379/0",
                "RATELIMIT_STORAGE_URI": "memory://",
            },
            "RATELIMIT_STORAGE_URI must not be memory:// when 4 processes",
        ),
    ],
)
def test_production_refuses_memory_when_more_than_one_process_is_declared(
    monkeypatch, declared, complaint
):
    _production(monkeypatch)
    for name, value in declared.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeConfiguration, match=complaint):
        create_app()


@pytest.mark.usefixtures("restored_limiter")
def test_production_with_several_processes_starts_on_redis(monkeypatch):
    _production(monkeypatch)
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    app = create_app()
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"


@pytest.mark.parametrize(
    ("environment", "storage"),
    [
        ({}, "memory://"),
        ({"REDIS_URL": "redis://cache.internal:6379/0"}, "redis://cache.internal:6379/0"),
        (
            {"REDIS_URL": "redis://cache.internal/0", "RATELIMIT_STORAGE_URI": "redis://other/1"},
            "redis://other/1",
        ),
    ],
)
def test_the_limiter_counts_in_redis_url_unless_told_otherwise(
    monkeypatch, tmp_path, environment, storage
):
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert load(tmp_path)["RATELIMIT_STORAGE_URI"] == storage
