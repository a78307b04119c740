"""The document store: files on disk named by their SHA-256, outside static/.

Uploads are checked by size and by content (magic bytes), never by file name.
"""

import hashlib
import os
import tempfile
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.documents.models import StoredFile
from portal.errors import DomainError
from portal.extensions import db

# Content types accepted for application documents and inspection photos, by signature.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class RejectedUpload(DomainError):
    default_message = _l("The file could not be accepted.")


def sniff(head: bytes) -> str | None:
    """The content type the bytes really are, or None when they are none we accept."""
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    return None


def _root() -> Path:
    root = Path(current_app.config["DOCUMENT_STORE_PATH"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def path_for(sha256: str) -> Path:
    return _root() / sha256[:2] / sha256


def save_bytes(data: bytes, content_type: str) -> StoredFile:
    """Store bytes once per content; return the (possibly existing) StoredFile row."""
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    target = path_for(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    if existing is not None:
        return existing
    stored = StoredFile(sha256=digest, size=len(data), content_type=content_type)
    db.session.add(stored)
    db.session.flush()
    return stored


def save_upload(file_storage, allowed: tuple[str, ...] = tuple(SIGNATURES)) -> StoredFile:
    """Validate an uploaded file by size and magic bytes, then store it."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.read(limit + 1)
    if not data:
        raise RejectedUpload(_l("The selected file is empty."))
    if len(data) > limit:
        raise RejectedUpload(
            _l("The selected file must be smaller than %(mb)s MB.", mb=limit // (1024 * 1024))
        )
    content_type = sniff(data[:16])
    if content_type not in allowed:
        raise RejectedUpload(_l("The selected file must be a PDF, PNG or JPEG."))
    return save_bytes(data, content_type)


def clean_name(name: str | None, default: str) -> str:
    """A file name fit to store and to send back in Content-Disposition: the last part of
    any path the browser sent, without control or format characters (PostgreSQL refuses
    NUL in text; a line break or a right-to-left override would garble the header or hide
    the real extension), at most 255 characters, else ``default``."""
    name = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    return " ".join(name.split())[:255] or default


def upload_name(file_storage, default: str) -> str:
    """The name an upload is listed and downloaded under (see clean_name)."""
    return clean_name(file_storage.filename, default)


def read_bytes(stored: StoredFile) -> bytes:
    return path_for(stored.sha256).read_bytes()


def send_stored(stored: StoredFile, filename: str):
    """Serve a stored file as a download; the browser must not sniff or render it inline."""
    response = send_file(
        path_for(stored.sha256),
        mimetype=stored.content_type,
        as_attachment=True,
        # Names stored before control characters were dropped on upload are cleaned here.
        download_name=clean_name(filename, "download"),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
