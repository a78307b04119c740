"""The pages people see when something goes wrong: each says what happened and what to do,
in the portal's layout, never a stack trace."""

import contextlib
import secrets
import time
from dataclasses import dataclass

import psycopg
from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal import db_locks
from portal.documents.store import StoredFileMissing, StoreUnavailable
from portal.extensions import db, limiter, login_manager

# Seconds a client is asked to wait (Retry-After): a lock queue drains in seconds; a database
# restart or fail-over takes longer.
RETRY_BUSY_SECONDS = 5
RETRY_UNREACHABLE_SECONDS = 30
# A document store outage in the drill (S3 stopped) lasted 10 s.
RETRY_STORE_SECONDS = 15
# PostgreSQL's "server going away" states: shut down by an administrator or by a crash, or
# starting up and not yet accepting connections.
SERVER_GOING_AWAY = {"57P01", "57P02", "57P03"}
# The portal's password fields (tests/test_database_outage.py finds every PasswordField):
# a page never carries a password back to the browser.
NOT_SENT_BACK = frozenset({"password", "confirm", "current_password"})


def error_page(code: int, title: str, message: str, reference: str | None = None, retry=None):
    page = render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=message,
        reference=reference,
        retry=retry,
    )
    return page, code


def not_found(error):
    return error_page(
        404,
        _("Page not found"),
        _(
            "If you typed the web address, check it is correct. "
            "If you followed a link, the page may have moved or "
            "you may not have access to it."
        ),
    )


def method_not_allowed(error):
    return error_page(
        405, _("That action is not available"), _("Go back and use the buttons on the page.")
    )


def bad_request(error):
    return error_page(
        400,
        _("Something was wrong with that request"),
        _("Go back, reload the page and try again."),
    )


def too_large(error):
    limit_mb = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    return error_page(
        413,
        _("The file is too large"),
        _(
            "Each file must be %(mb)s MB or smaller. Go back and choose a smaller file.",
            mb=limit_mb,
        ),
    )


def rate_limited(error):
    reset_at = getattr(limiter.current_limit, "reset_at", None)
    minutes = max(1, int(((reset_at or time.time()) - time.time() + 59) // 60))
    return error_page(
        429,
        _("Too many attempts"),
        ngettext(
            "For your security, try again in %(num)s minute.",
            "For your security, try again in %(num)s minutes.",
            minutes,
        ),
    )


def is_database_unreachable(error: BaseException) -> bool:
    """True when the database could not be reached, not when it refused the work: a pool
    with no free connection in time, a connection refused or dropped (PostgreSQL restarting
    or failing over), a server shutting down. SQLAlchemy marks a dropped pooled connection
    as invalidated; a new connection that fails carries psycopg's error without an SQLSTATE
    (or a connection-class one). A deadlock, a constraint or a syntax error is not this."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error.orig, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    sqlstate = error.orig.sqlstate
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in SERVER_GOING_AWAY


def database_busy(error):
    """The database could not do the work just now, and nothing was saved: SQLite's busy
    timeout ran out for a writer, or the database could not be reached. Both are answered
    503 with Retry-After, a page that says to try again. Any other database error is a real
    fault and goes on to the 500 page."""
    if db_locks.is_lock_timeout(error):
        current_app.logger.warning("a writer waited out the SQLite busy timeout: %s", error.orig)
        db.session.rollback()
        return _try_again(
            _("The service is busy"),
            _(
                "Nothing was changed: too many changes were being saved at once. "
                "Wait a moment and try again."
            ),
            RETRY_BUSY_SECONDS,
        )
    if is_database_unreachable(error):
        return database_unreachable(error)
    raise error


def database_unreachable(error):
    """The page for a database that cannot be reached. Nothing here may touch the database:
    the user loader may be what failed, so the page is drawn for a visitor (a signed-in
    user's loaded row would be expired by the rollback and read again by the layout)."""
    current_app.logger.warning("the database could not be reached: %s", error)
    # The connection is gone already: a rollback that fails too has nothing left to undo.
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()
    return _try_again(
        _("The service is not available just now"),
        _(
            "The portal could not reach its records, so nothing was saved. "
            "Wait a minute and try again."
        ),
        RETRY_UNREACHABLE_SECONDS,
    )


def _try_again(title: str, message: str, seconds: int):
    page, code = error_page(503, title, message, retry=_retry())
    g.retry_after = str(seconds)
    return page, code, {"Retry-After": g.retry_after, "Cache-Control": "no-store"}


@dataclass(frozen=True)
class Retry:
    """How the page's Try again button repeats the request: a link for a GET; for a form,
    the same fields sent again (so nothing typed is lost, whatever the browser keeps on
    Back: Chromium keeps nothing of a no-store page's autocomplete=off fields). Passwords
    and files are not carried; `dropped` says so, and the form asks for them again."""

    url: str
    method: str
    fields: list[tuple[str, str]]
    multipart: bool
    dropped: bool


def _retry() -> Retry:
    url = request.full_path if request.query_string else request.path
    if request.method != "POST":
        return Retry(url, "get", [], multipart=False, dropped=False)
    fields = [
        (name, value) for name, value in request.form.items(multi=True) if name not in NOT_SENT_BACK
    ]
    dropped = bool(request.files) or any(name in NOT_SENT_BACK for name in request.form)
    return Retry(url, "post", fields, request.mimetype == "multipart/form-data", dropped)


def _keep_retry_after(response):
    if "retry_after" in g:
        response.headers["Retry-After"] = g.retry_after
    return response


def store_unavailable(error):
    """A download (or a file made on the way, such as a receipt) met a document store that
    cannot be reached: a service fault to retry, not a bug. Forms catch it before this, as
    the DomainError it is, and keep what was typed. A store outage (a restart, a network
    fault) is over in seconds to minutes: the page says to try again, with Retry-After."""
    db.session.rollback()
    return _try_again(_("The file is not available just now"), error.message, RETRY_STORE_SECONDS)


def stored_file_missing(error):
    """A download whose file the database names but the store does not hold (deleted or
    lost there, a restore that left files out): the department's fault, not the person's,
    and trying again will not help. The page says so and gives a reference that is in the
    log beside the missing file's SHA-256, so staff can restore it from a backup. 404: the
    file is not there; never a 500."""
    db.session.rollback()
    reference = secrets.token_hex(4).upper()
    current_app.logger.error(
        "error reference %s: stored file %s is missing from the document store",
        reference,
        error.sha256,
    )
    page, code = error_page(
        404,
        _("This file is missing"),
        _(
            "The department's records list this file, but it is missing from their document "
            "store, so it cannot be downloaded. This is not something you did. Contact the "
            "department and give them this reference: they can restore the file."
        ),
        reference=reference,
    )
    return page, code, {"Cache-Control": "no-store"}


def server_error(error):
    """The page names a reference that is also in the log beside the error, so the
    department can find what happened from what the person reads out. It does not promise
    nothing was lost: the fault may have come after part of the work was saved."""
    original = getattr(error, "original_exception", None) or error
    # An unreachable database met outside a view (an after-request step) is still a fault
    # to retry, not a bug.
    if is_database_unreachable(original):
        return database_unreachable(original)
    reference = secrets.token_hex(4).upper()
    current_app.logger.error(
        "error reference %s", reference, exc_info=(type(original), original, original.__traceback__)
    )
    return error_page(
        500,
        _("Sorry, there is a problem with the service"),
        _(
            "If you were saving something, check whether it was saved before you try again. "
            "If the problem goes on, contact the department and give them this reference."
        ),
        reference=reference,
    )


HANDLERS = {
    400: bad_request,
    404: not_found,
    405: method_not_allowed,
    413: too_large,
    RateLimitExceeded: rate_limited,
    OperationalError: database_busy,
    InterfaceError: database_busy,
    PoolTimeout: database_busy,
    StoreUnavailable: store_unavailable,
    StoredFileMissing: stored_file_missing,
    500: server_error,
}


def init_app(app) -> None:
    for error, handler in HANDLERS.items():
        app.register_error_handler(error, handler)
    # First in the list, so it runs after every other after-request step: Flask-Limiter puts
    # its window's reset (an hour on the sign-in form) in Retry-After on every response of a
    # limited page, which would tell a client to stay away that long from a 503.
    app.after_request_funcs.setdefault(None, []).insert(0, _keep_retry_after)
