"""What the inspection services refuse with.

Staff actions carry the version of the request they saw, so the second of two staff
acting on the same request is refused with STALE_MESSAGE, not silently applied.
"""

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

STALE_MESSAGE = _l(
    "This inspection changed since you opened the page. Its current state is shown: "
    "check it and try again if you still need to."
)


class InvalidRequest(DomainError):
    """A request the rules refuse; ``field`` names the form field to attach the message to."""

    def __init__(self, message=None, field: str | None = None, fees_link: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.fees_link = fees_link


class CapacityFull(DomainError):
    default_message = _l("That inspector's day is full. Choose another day or another inspector.")
