"""The pages people see when something goes wrong: each says what happened and what to do,
in the portal's layout, never a stack trace."""

import secrets
import time

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError

from portal import db_locks
from portal.documents.store import StoreUnavailable
from portal.extensions import db, limiter


def error_page(code: int, title: str, message: str, reference: str | None = None):
    page = render_template(
        "errors/error.html", code=code, title=title, message=message, reference=reference
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


def database_busy(error):
    """SQLite's busy timeout ran out for a writer: nothing was saved, so say try again. Any
    other database error is a real fault and goes on to the 500 page."""
    if not db_locks.is_lock_timeout(error):
        raise error
    current_app.logger.warning("a writer waited out the SQLite busy timeout: %s", error.orig)
    db.session.rollback()
    return error_page(
        503,
        _("The service is busy"),
        _(
            "Nothing was changed: too many changes were being saved at once. "
            "Wait a moment and try again."
        ),
    )


def store_unavailable(error):
    """A download (or a file made on the way, such as a receipt) met a document store that
    cannot be reached: a service fault to retry, not a bug. Forms catch it before this, as
    the DomainError it is, and keep what was typed."""
    db.session.rollback()
    return error_page(503, _("The file is not available just now"), error.message)


def server_error(error):
    """The page names a reference that is also in the log beside the error, so the
    department can find what happened from what the person reads out. It does not promise
    nothing was lost: the fault may have come after part of the work was saved."""
    reference = secrets.token_hex(4).upper()
    original = getattr(error, "original_exception", None) or error
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
    StoreUnavailable: store_unavailable,
    500: server_error,
}


def init_app(app) -> None:
    for error, handler in HANDLERS.items():
        app.register_error_handler(error, handler)
