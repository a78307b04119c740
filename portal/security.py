"""Headers on every response, and the staff idle timeout."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import ngettext
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
    app.add_template_global(idle_timing, "idle_timing")

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["PORTAL_ENV"] == "production":
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        # A static file is the same for everyone: asking who is signed in would read the
        # session and add Vary: Cookie, which keeps shared caches from storing it.
        if request.endpoint != "static" and current_user.is_authenticated:
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
        idle = now - datetime.fromisoformat(last_seen) if last_seen else None
        limit = app.config["STAFF_IDLE_TIMEOUT"]
        if idle is not None and idle > limit:
            logout_user()
            session.clear()
            minutes = max(1, round(limit.total_seconds() / 60))
            flash(
                ngettext(
                    "You were signed out after %(num)s minute without activity.",
                    "You were signed out after %(num)s minutes without activity.",
                    minutes,
                ),
                "info",
            )
            return redirect(url_for("auth.sign_in", next=_page_to_return_to()))
        # A step much shorter than the timeout, so a short configured timeout still works.
        if idle is None or idle >= min(LAST_SEEN_STEP, limit / 30):
            restart_idle_clock()
        return None


def restart_idle_clock() -> None:
    """Count a staff session's idle time from now."""
    session["last_seen"] = utcnow().isoformat()


def idle_timing() -> dict[str, int]:
    """For the staff pages' idle warning: the timeout, and how long before it the page
    warns: two minutes (WCAG 2.2.1 asks for a warning and at least 20 seconds to answer
    it), or half the time for a timeout shorter than four minutes."""
    total = int(current_app.config["STAFF_IDLE_TIMEOUT"].total_seconds())
    return {"idle_seconds": total, "warn_seconds": min(120, total // 2)}


def _page_to_return_to() -> str:
    """Where to send someone after signing in again. A page they asked for (GET) is that
    page; a form they sent (POST) is the page that held the form, since the form's own
    address answers GET with "That action is not available"."""
    if request.method == "GET":
        return request.full_path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.index")
