"""How Flask-Login finds the signed-in user, and how a session starts.

The login cookie holds the account's session token, not its id: rotating the token
(on a password change or reset) ends every session that still carries the old one.
"""

from urllib.parse import urlsplit

from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db, login_manager
from portal.models import utcnow

login_manager.login_view = "auth.sign_in"
login_manager.login_message = _l("Sign in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    # A changed password rotates the token, so every other session stops matching here.
    return db.session.scalar(
        select(User).where(User.session_token == session_token, User.active.is_(True))
    )


def begin(user: User) -> None:
    """Sign the user in on this browser, starting the staff idle clock afresh."""
    login_user(user)
    session["last_seen"] = utcnow().isoformat()


def safe_next_url(target: str | None) -> str | None:
    """The target if it is a path on this site, else None: a `next` link must never
    send someone to another site (an open redirect helps phishing)."""
    if not target or "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
