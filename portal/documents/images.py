"""Photos as the store takes them: an iPhone's HEIC/HEIF photo becomes a JPEG on the server.

Called before the store (documents.store.save_upload), which accepts PDF, PNG and JPEG by
their content; a HEIC file is recognised by its content too (the ISO base media "ftyp" box
with a HEIF brand), never by its name.
"""

import io
from pathlib import PurePath

import pillow_heif
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import ImageOps
from werkzeug.datastructures import FileStorage

from portal.documents.store import RejectedUpload

# What the file pickers offer (`accept`); the server checks the content whatever is chosen.
DOCUMENT_ACCEPT = (
    ".pdf,.png,.jpg,.jpeg,.heic,.heif,application/pdf,image/png,image/jpeg,image/heic,image/heif"
)
PHOTO_ACCEPT = ".png,.jpg,.jpeg,.heic,.heif,image/png,image/jpeg,image/heic,image/heif"

HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
JPEG_QUALITY = 88


def is_heif(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def _as_jpeg(data: bytes) -> bytes:
    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        image = heif.to_pillow()
    except (ValueError, RuntimeError, OSError) as error:
        raise RejectedUpload(_l("The HEIC photo could not be read.")) from error
    # The phone's orientation flag is applied, so the JPEG is upright without it.
    image = ImageOps.exif_transpose(image).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def accepted_form(upload: FileStorage) -> FileStorage:
    """The upload itself, or for a HEIC/HEIF photo a JPEG of it named ``<name>.jpg``."""
    head = upload.stream.read(16)
    upload.stream.seek(0)
    if not is_heif(head):
        return upload
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        # Too large to convert: the store refuses it with the size message.
        upload.stream.seek(0)
        return upload
    stem = PurePath(upload.filename or "photo").stem or "photo"
    return FileStorage(
        stream=io.BytesIO(_as_jpeg(data)),
        filename=f"{stem}.jpg",
        content_type="image/jpeg",
    )
