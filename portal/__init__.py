"""The Occupancy Portal: a city building department's self-service Certificate of Occupancy site."""

from importlib import import_module
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config
from portal import error_pages, languages, routing, shared_cache, template_helpers
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

# Every blueprint, by the module that defines it.
BLUEPRINTS = (
    "portal.main",
    "portal.auth.routes",
    "portal.permits.routes",
    "portal.applications.routes",
    "portal.admin.routes",
    "portal.inspections.routes",
    "portal.payments.routes",
    "portal.certificates.blueprint",
    "portal.admin.settings_views",
    "portal.admin.help_pages",
)


def create_app(config: dict | None = None) -> Flask:
    load_dotenv()
    app = routing.Portal(__name__, instance_relative_config=True)
    # Before anything builds the template environment (Flask-Babel's init_app does).
    app.jinja_environment = template_helpers.PortalEnvironment
    routing.init_app(app)
    instance_path = Path(app.instance_path)
    app.config.update(portal_config.load(instance_path))
    # Forms check their own CSRF token, so a stale form comes back with what was typed.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    if config:
        app.config.update(config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        portal_config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
    )
    portal_config.refuse_unsafe(app.config)
    _trust_proxies(app)
    instance_path.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=languages.select)
    languages.init_app(babel)
    limiter.init_app(app)
    login_manager.init_app(app)
    shared_cache.init_app(app)

    from portal import (
        http_caching,
        models_registry,  # noqa: F401 - every table known to Alembic and create_all
        security,
    )
    from portal.auth import session  # noqa: F401 - registers the user loader

    # Each feature built on permits adds its part to the pages permits/ owns (portal/panels.py).
    for contributions in ("applications", "payments", "inspections", "certificates"):
        import_module(f"portal.{contributions}.contributions")
    # Before security: Flask runs after_request hooks last-registered first, so a signed-in
    # page's no-store is set before the public pages' default would be.
    http_caching.init_app(app)
    security.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)

    from portal import (
        cli,
        html_attributes,
        tasks,  # noqa: F401 - every background task registered before a job is queued
    )

    template_helpers.init_app(app)
    html_attributes.init_app(app)
    cli.init_app(app)
    error_pages.init_app(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind a load balancer every request comes from the proxy's address: rate limits
    would lock out everyone at once, and the audit log would record the proxy. Only the
    last TRUSTED_PROXY_COUNT hops of X-Forwarded-For/-Proto/-Host are believed; with 0
    the headers are ignored, since any client can send them."""
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count:
        # Flask's documented way to add WSGI middleware; mypy sees wsgi_app as a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )
