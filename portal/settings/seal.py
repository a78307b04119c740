"""The department's seal or logo, printed on every certificate: admins replace it.

Until an admin uploads the department's own, the certificate prints a neutral placeholder
drawn for the portal (static/img/seal-placeholder.svg), never a real city's seal. An upload
is checked like every other (size, magic bytes) by the document store, and must also open as
an image, since the PDF renderer would otherwise fail on the next certificate issued.
"""

import base64
from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from portal import audit
from portal.documents.store import RejectedUpload, read_bytes, save_upload, sniff
from portal.errors import DomainError
from portal.settings import contact, services
from portal.settings.models import CONTACT_DEFAULTS, ContactDetails
from portal.workflow import stale_guard

PLACEHOLDER = "img/seal-placeholder.svg"
SEAL_TYPES = ("image/png", "image/jpeg")
# Large enough to print sharp at 1.3 inches, small enough that no one uploads a poster.
MIN_PIXELS, MAX_PIXELS = 64, 4000
STALE_MESSAGE = _l(
    "Another administrator changed the seal or the contact details since you opened the "
    "page. The page now shows what they saved: upload the seal again if it is still needed."
)


@dataclass(frozen=True)
class Seal:
    """The admin's upload, as the certificate prints it."""

    content_type: str
    data: bytes

    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode()}"


def current() -> Seal | None:
    """The uploaded seal in force, or None while the placeholder applies."""
    details = contact.current()
    if details.seal_file is None:
        return None
    return Seal(details.seal_file.content_type, read_bytes(details.seal_file))


def _check_image(file_storage) -> None:
    """Refuse what the certificate could not print, before anything is stored."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.read(limit + 1)
    file_storage.seek(0)
    if not data or len(data) > limit:
        return  # the store's own check says what is wrong
    if sniff(data[:16]) not in SEAL_TYPES:
        raise RejectedUpload(_l("The seal must be a PNG or JPEG image."))
    try:
        with Image.open(BytesIO(data)) as image:
            image.load()
            width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise RejectedUpload(
            _l("The file could not be read as an image. Save it again as a PNG or JPEG.")
        ) from None
    if min(width, height) < MIN_PIXELS or max(width, height) > MAX_PIXELS:
        raise RejectedUpload(
            _l(
                "The seal must be from %(low)s to %(high)s pixels wide and high.",
                low=MIN_PIXELS,
                high=MAX_PIXELS,
            )
        )


@stale_guard(STALE_MESSAGE)
def replace(file_storage, actor, version) -> ContactDetails:
    """An admin uploads the department's seal; the next certificate issued prints it."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the seal."))
    _check_image(file_storage)
    # Stored first: storing flushes, and a first save's new row must go in once, seal and all.
    stored = save_upload(file_storage, allowed=SEAL_TYPES)
    details = services.row_to_save(ContactDetails, CONTACT_DEFAULTS, version, STALE_MESSAGE)
    details.seal_file = stored
    audit.record("contact_details.seal_changed", details, actor=actor, sha256=stored.sha256)
    return services.commit_row(details, STALE_MESSAGE)


@stale_guard(STALE_MESSAGE)
def use_placeholder(actor, version) -> ContactDetails:
    """An admin goes back to the neutral placeholder seal."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the seal."))
    details = services.row_to_save(ContactDetails, CONTACT_DEFAULTS, version, STALE_MESSAGE)
    if details.seal_file_id is not None:
        details.seal_file = None
        audit.record("contact_details.seal_changed", details, actor=actor, sha256=None)
    return services.commit_row(details, STALE_MESSAGE)
