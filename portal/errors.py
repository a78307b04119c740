"""Domain errors: a service raises one, the view shows its message, never a 500."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup


class DomainError(Exception):
    """A rule of the department's process refused the action; the message says why."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        # Markup is a message with a link (template_helpers.contact_link): str() would drop
        # what marks it safe, and the page would show its tags.
        self.message: str = (
            message if isinstance(message, Markup) else str(message or self.default_message)
        )

    default_message = _l("That action is not possible right now.")


class IllegalTransition(DomainError):
    default_message = _l("That step is not possible for this record in its current state.")


class StaleRecord(DomainError):
    default_message = _l(
        "This record changed since you opened it. Review the current version and try again."
    )
