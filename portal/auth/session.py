"""How Flask-Login finds the signed-in user, and how a session starts.

The login cookie holds the account's session token, not its id: rotating the token
(on signing out, "sign out of all other devices", a password change or reset, a
deactivation, a second-factor reset) ends every session that still carries the old one,
so a copied cookie stops working on the server rather than when it expires.

Staff and admins sign in in two steps. After the password, the session holds only a
pending sign-in (PENDING_KEY) and nobody is signed in; the second factor completes it
and marks the session (SECOND_FACTOR_KEY). The user loader is the one place that
enforces this: a staff account whose session lacks the mark is not loaded at all, so
no route, staff or otherwise, can be reached half signed in.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from portal import languages
from portal.auth import services
from portal.auth.models import User
from portal.extensions import db, login_manager
from portal.models import utcnow

languages.register_account_language(services.account_language)
login_manager.login_view = "auth.sign_in"
login_manager.login_message = _l("Sign in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

PENDING_KEY = "pending_sign_in"
SECOND_FACTOR_KEY = "second_factor"
# Long enough to find the phone, short enough that a forgotten half sign-in goes stale.
PENDING_MAX_AGE = timedelta(minutes=10)


# Every request loads the signed-in account; the secrets and the search key are needed by
# a handful of pages (sign-in, password and second-factor changes), which load them then.
_NOT_ON_EVERY_REQUEST = (
    defer(User.password_hash),
    defer(User.totp_secret_encrypted),
    defer(User.totp_last_step),
    defer(User.name_key),
)


# Built once: constructing the statement cost more than running it, on every request.
_ACTIVE_BY_TOKEN = (
    select(User)
    .options(*_NOT_ON_EVERY_REQUEST)
    .where(User.session_token == bindparam("token"), User.active.is_(True))
)


def _active(session_token: str) -> User | None:
    return db.session.scalar(_ACTIVE_BY_TOKEN, {"token": session_token})


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    # A changed password rotates the token, so every other session stops matching here.
    user = _active(session_token)
    if user is not None and user.is_staff and session.get(SECOND_FACTOR_KEY) != session_token:
        return None
    return user


def begin(user: User, *, second_factor_done: bool = False) -> None:
    """Sign the user in on this browser, starting the staff idle clock afresh.

    ``second_factor_done`` says this session has passed the second step (or, after a
    password change, had passed it already); staff are not signed in without it.
    """
    login_user(user)
    session["last_seen"] = utcnow().isoformat()
    # A language chosen on this browser before signing in becomes the account's; else
    # the account's language holds for the session.
    chosen = languages.supported(session.get(languages.SESSION_KEY))
    if chosen:
        services.choose_language(user, chosen)
    else:
        session[languages.SESSION_KEY] = user.locale
    if second_factor_done:
        session[SECOND_FACTOR_KEY] = user.session_token


def after_password(user: User, next_url: str) -> str:
    """Where the browser goes once the password is right: applicants are signed in and
    go on; staff go to the second step, with nobody signed in until it is done."""
    if not user.is_staff:
        begin(user)
        return next_url
    logout_user()
    session.pop(SECOND_FACTOR_KEY, None)
    session[PENDING_KEY] = {
        "token": user.session_token,
        "at": utcnow().isoformat(),
        "next": next_url,
    }
    return url_for("auth.second_factor_step")


def pending_user() -> User | None:
    """The account whose password was given on this browser in the last few minutes."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        started = datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        started = None
    if started is None or utcnow() - started > PENDING_MAX_AGE:
        session.pop(PENDING_KEY, None)
        return None
    return _active(pending.get("token") or "")


def complete_second_factor(user: User) -> str:
    """Finish a pending sign-in; returns where the person was going."""
    pending = session.pop(PENDING_KEY, None) or {}
    begin(user, second_factor_done=True)
    return safe_next_url(pending.get("next")) or url_for("main.index")


def safe_next_url(target: str | None) -> str | None:
    """The target if it is a path on this site, else None: a `next` link must never
    send someone to another site (an open redirect helps phishing)."""
    if not target or "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
