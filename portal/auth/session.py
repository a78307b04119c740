"""How Flask-Login finds the signed-in user: by the account's current session token."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db, login_manager

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
