"""What the certificate views share."""

from flask_login import current_user


def me():
    """The signed-in user as a model object, for the services to record as the actor."""
    return current_user._get_current_object()
