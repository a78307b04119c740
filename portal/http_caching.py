"""Compression, fingerprinted static files and a deliberate Cache-Control on every response.

Static files: every ``url_for('static', ...)`` carries ``?v=<hash of the file's bytes>``, so a
changed file gets a new URL and the old one is never asked for again. A request whose ``v``
is the file's current hash is cached for a year as ``immutable`` (a returning visitor asks for
nothing); a file asked for without it (the fonts and icons the USWDS stylesheet names by
relative URL) is cached for a day and then revalidated with its ETag; a stale or made-up ``v``
gets ``no-cache``, so an old hash can never pin new bytes. Static responses never read the
session, so they carry no ``Vary: Cookie`` and a shared cache may keep them.

Pages: a signed-in page is ``no-store`` (portal/security.py). A public page a person reads
is ``private, no-cache``: it carries the visitor's CSRF token and flashed messages, so a
shared cache must not hand it to someone else, and the browser asks again each time so a
change (a revoked certificate, a new status) shows at once. ``/verify/<number>`` says so
itself (``no-cache``) in its view.

Compression is Flask-Compress (Brotli or gzip, whichever the browser accepts), on text
responses and static assets above 500 bytes, streamed exports included.
"""

import hashlib
import time
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from itsdangerous import BadSignature

ONE_YEAR = 365 * 24 * 3600
ONE_DAY = 24 * 3600
FINGERPRINT = "v"
PAGE_DEFAULT = "private, no-cache"
# Text worth compressing. Images other than SVG, PDFs and WOFF2 fonts are compressed already.
COMPRESSIBLE = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "font/ttf",
    "font/otf",
    "application/vnd.ms-fontobject",
    "text/csv",
    "text/calendar",
]

compress = Compress()
# (path, size, mtime) -> hash: a file is read once per change, not once per page.
_hashes: dict[tuple[str, int, int], str] = {}


def fingerprint(app: Flask, filename: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of a static file, or None if there is none."""
    folder = app.static_folder
    if folder is None:
        return None
    path = Path(folder, filename)
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        return None
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _hashes[key]


# Session cookies whose signature this process has checked: a few thousand browsers' worth.
MOST_VERIFIED_COOKIES = 4096


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a static file neither saves the session nor
    says ``Vary: Cookie`` (Flask-Login peeks at the session after every request, which would
    otherwise mark every static response as differing per visitor), and that a cookie whose
    signature was checked once is not checked again.

    A browser sends the same cookie until the session changes, and checking it (building
    the serializer, two HMACs, base64 and zlib) cost 35 µs of every request (issue 17).
    The exact cookie text that passed is remembered with its signing time and its JSON,
    so the age limit still holds on every request and each request gets its own copy of
    the data; a cookie that differs by one character is checked in full."""

    def __init__(self) -> None:
        # Cookie -> (the key that signed it, when, its data as JSON).
        self._verified: dict[str, tuple[str | bytes, int, str]] = {}

    def open_session(self, app, request):
        if not app.secret_key:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(cookie)
        if known is not None and known[0] == app.secret_key:
            _key, signed_at, payload = known
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(self.serializer.loads(payload))
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        try:
            data, signed = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= MOST_VERIFIED_COOKIES:
            self._verified.clear()
        payload = self.serializer.dumps(data)
        self._verified[cookie] = (app.secret_key, int(signed.timestamp()), payload)
        return self.session_class(data)

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSIBLE)
    compress.init_app(app)

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and FINGERPRINT not in values and "filename" in values:
            digest = fingerprint(app, values["filename"])
            if digest:
                values[FINGERPRINT] = digest

    @app.after_request
    def cache_control(response):
        if request.endpoint == "static":
            _static_caching(app, response)
        elif "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = PAGE_DEFAULT
        return response


def _static_caching(app: Flask, response) -> None:
    asked = request.args.get(FINGERPRINT)
    filename = (request.view_args or {}).get("filename", "")
    if asked is None:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_DAY
    elif asked == fingerprint(app, filename):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
