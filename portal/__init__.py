"""The Occupancy Portal: a city building department's self-service Certificate of Occupancy site."""

import time
from importlib import import_module
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config
from portal import db_locks, routing
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
)


def create_app(config: dict | None = None) -> Flask:
    load_dotenv()
    app = Flask(__name__, instance_relative_config=True)
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
    babel.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from portal import (
        models_registry,  # noqa: F401 - every table known to Alembic and create_all
        security,
    )
    from portal.auth import session  # noqa: F401 - registers the user loader

    # Each feature built on permits adds its part to the pages permits/ owns (portal/panels.py).
    for contributions in ("applications", "payments", "inspections", "certificates"):
        import_module(f"portal.{contributions}.contributions")
    security.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)

    from portal import cli, template_helpers

    template_helpers.init_app(app)
    cli.init_app(app)
    _register_error_pages(app)
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


def _register_error_pages(app: Flask) -> None:
    """Long because it is one small handler per error page, kept together so every error page is in
    one place."""

    @app.errorhandler(404)
    def not_found(error):
        return render_template(
            "errors/error.html",
            code=404,
            title=_("Page not found"),
            message=_(
                "If you typed the web address, check it is correct. "
                "If you followed a link, the page may have moved or "
                "you may not have access to it."
            ),
        ), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_template(
            "errors/error.html",
            code=405,
            title=_("That action is not available"),
            message=_("Go back and use the buttons on the page."),
        ), 405

    @app.errorhandler(400)
    def bad_request(error):
        return render_template(
            "errors/error.html",
            code=400,
            title=_("Something was wrong with that request"),
            message=_("Go back, reload the page and try again."),
        ), 400

    @app.errorhandler(413)
    def too_large(error):
        limit_mb = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return render_template(
            "errors/error.html",
            code=413,
            title=_("The file is too large"),
            message=_(
                "Each file must be %(mb)s MB or smaller. Go back and choose a smaller file.",
                mb=limit_mb,
            ),
        ), 413

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error):
        reset_at = getattr(limiter.current_limit, "reset_at", None)
        minutes = max(1, int(((reset_at or time.time()) - time.time() + 59) // 60))
        return render_template(
            "errors/error.html",
            code=429,
            title=_("Too many attempts"),
            message=ngettext(
                "For your security, try again in %(num)s minute.",
                "For your security, try again in %(num)s minutes.",
                minutes,
            ),
        ), 429

    @app.errorhandler(OperationalError)
    def database_busy(error):
        if not db_locks.is_lock_timeout(error):
            raise error
        app.logger.warning("a writer waited out the SQLite busy timeout: %s", error.orig)
        db.session.rollback()
        return render_template(
            "errors/error.html",
            code=503,
            title=_("The service is busy"),
            message=_(
                "Nothing was changed: too many changes were being saved at once. "
                "Wait a moment and try again."
            ),
        ), 503

    @app.errorhandler(500)
    def server_error(error):
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Sorry, there is a problem with the service"),
            message=_("Your information was not lost. Try again later."),
        ), 500
