"""Headers on every response, and the staff idle timeout."""

from datetime import datetime, timedelta

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.models import utcnow

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The idle clock moves in steps of this much: rewriting last_seen on every request would
# re-sign and resend the session cookie each time (a zlib pass and a Set-Cookie per page),
# for a timeout counted in minutes anyway.
LAST_SEEN_STEP = timedelta(minutes=1)


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
        return response

    @app.before_request
    def end_idle_staff_sessions():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        if not current_user.is_staff:
            return None
        now = utcnow()
        last_seen = session.get("last_seen")
        idle = now - datetime.fromisoformat(last_seen) if last_seen else None
        limit = app.config["STAFF_IDLE_TIMEOUT"]
        if idle is not None and idle > limit:
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
        if idle is None or idle >= LAST_SEEN_STEP:
            session["last_seen"] = now.isoformat()
        return None
