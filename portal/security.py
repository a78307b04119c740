"""Headers on every response, and the staff idle timeout."""

from datetime import datetime

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.models import utcnow

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["PORTAL_ENV"] == "production":
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        if response.mimetype == "text/html":
            # A page is in the language its browser asks for (portal/languages.py): a
            # shared cache must not give a Spanish page to an English browser.
            response.vary.add("Accept-Language")
        return response

    @app.before_request
    def end_idle_staff_sessions():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        if not current_user.is_staff:
            return None
        now = utcnow()
        last_seen = session.get("last_seen")
        limit = app.config["STAFF_IDLE_TIMEOUT"]
        if last_seen and now - datetime.fromisoformat(last_seen) > limit:
            logout_user()
            session.clear()
            minutes = int(limit.total_seconds() // 60)
            flash(
                _(
                    "You were signed out after %(minutes)s minutes without activity.",
                    minutes=minutes,
                ),
                "info",
            )
            return redirect(url_for("auth.sign_in", next=request.full_path))
        session["last_seen"] = now.isoformat()
        return None
