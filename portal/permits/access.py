"""The access rule for everything under a permit: the user must be a party on it (or staff)."""

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.access import mark
from portal.extensions import login_manager
from portal.permits.services import permit_for_user


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
            permit = permit_for_user(current_user, permit_id, roles, staff_allowed)
            if permit is None:
                abort(404)
            return view(*args, permit=permit, **kwargs)

        return mark(wrapper, "permit_party")

    return decorator
