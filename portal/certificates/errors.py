"""The refusals several certificate modules share, kept apart so each can import them."""

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

STALE_MESSAGE = _l(
    "This record changed since you opened the page. Its current state is shown: "
    "check it and try again if you still need to."
)
CONFIRM_REVOKE_MESSAGE = _l("Tick the box to confirm you mean to withdraw the certificate")


class InvalidCertificate(DomainError):
    """An answer on the certificate form is wrong; ``field`` names it for the form."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
