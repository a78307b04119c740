"""Every route declares who may use it; the access test fails on a route without a declaration.

Rules: ``public``, ``signed_in``, ``staff``, ``admin`` here, and ``permit_party(...)`` in
portal/permits/access.py (it loads the permit, so it belongs to the permits feature):
a permit is loaded only through the user's parties on it (staff see every permit), and a
miss is a 404, so another user's permit id reveals nothing.
"""

from functools import wraps
from typing import TYPE_CHECKING

from flask import abort
from flask_login import current_user

from portal.extensions import login_manager

if TYPE_CHECKING:
    from portal.auth.models import User

ACCESS_ATTR = "access_rule"


def current_actor() -> "User":
    """The signed-in user as the model object: services store it on records and in the audit
    log, which need the object, not Flask-Login's proxy."""
    return current_user._get_current_object()


def mark(view, rule: str):
    setattr(view, ACCESS_ATTR, rule)
    return view


def public(view):
    return mark(view, "public")


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return mark(wrapper, "signed_in")


def staff(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return mark(wrapper, "staff")


def admin(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return mark(wrapper, "admin")
