"""Every route declares who may use it; the access test fails on a route without a declaration.

Rules: ``public``, ``signed_in``, ``staff``, ``admin`` and ``permit_party(...)``.
A permit is loaded only through the user's parties on it (staff see every permit),
and a miss is a 404, so another user's permit id reveals nothing.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.extensions import login_manager

ACCESS_ATTR = "access_rule"


def _mark(view, rule: str):
    setattr(view, ACCESS_ATTR, rule)
    return view


def public(view):
    return _mark(view, "public")


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapper, "signed_in")


def staff(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return _mark(wrapper, "staff")


def admin(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return _mark(wrapper, "admin")


def permit_party(*roles, staff_allowed: bool = True):
    """Load ``permit_id`` from the URL through the user's parties; pass it as ``permit``.

    With roles given, only parties in those roles qualify (e.g. owner and agent may
    edit the application; a contractor may not). Staff qualify when staff_allowed.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, permit_id: int, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            from portal.permits.services import permit_for_user

            permit = permit_for_user(current_user, permit_id, roles, staff_allowed)
            if permit is None:
                abort(404)
            return view(*args, permit=permit, **kwargs)

        return _mark(wrapper, "permit_party")

    return decorator
