"""The document store: files named by their SHA-256, in a folder outside static/ or in a
private S3-compatible bucket (documents/backends.py), behind the same functions.

Uploads are checked by size and by content (magic bytes), never by file name, here and
only here, before anything is written. A store that cannot be reached raises
StoreUnavailable, a DomainError: the person's page says nothing was saved and keeps the
form, and the transaction rolls back like any refusal.
"""

import hashlib
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.db_locks import lock_until_commit
from portal.documents.backends import Backend, Readable, StoreUnreachable, from_settings, key_for
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


# What a download reads from the store before it answers: a store that fails this early
# still gets the 503 page; only a fault after the first bytes can cut a download short.
FIRST_CHUNK_BYTES = 64 * 1024
COPY_CHUNK_BYTES = 1024 * 1024

DOWNLOAD_UNAVAILABLE = _l(
    "The file cannot be fetched from the document store just now. Try again in a few minutes."
)


class StoredFileMissing(Exception):
    """A file the database names is not in the store: lost or deleted there, not a fault to
    retry. Its download answers a page that says so (error_pages.stored_file_missing)."""

    def __init__(self, sha256: str) -> None:
        super().__init__(sha256)
        self.sha256 = sha256


class RejectedUpload(DomainError):
    default_message = _l("The file could not be accepted.")


def sniff(head: bytes) -> str | None:
    """The content type the bytes really are, or None when they are none we accept."""
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    return None


class StoreUnavailable(DomainError):
    default_message = _l(
        "The document store cannot be reached just now, so nothing was saved. "
        "Try again in a few minutes."
    )


def backend() -> Backend:
    """The app's backend, made once per app and settings (a boto3 client is thread-safe
    and keeps its connections), after gunicorn's fork since it is made on first use."""
    config = current_app.config
    settings = (
        config["DOCUMENT_STORE_URL"],
        config["DOCUMENT_STORE_PATH"],
        config["DOCUMENT_STORE_ENDPOINT_URL"],
    )
    made = current_app.extensions.get("document_store")
    if made is None or made[0] != settings:
        made = (settings, from_settings(*settings))
        current_app.extensions["document_store"] = made
    return made[1]


def _content_lock(sha256: str) -> str:
    """The lock a save and a delete of the same bytes take until their commit: a save
    either comes first (its row then names the file, which stays) or after the delete
    (it finds no bytes and writes them again), never between the row's delete and the
    bytes' (it would record bytes about to go)."""
    return f"stored-file:{sha256}"


def save_bytes(data: bytes, content_type: str) -> StoredFile:
    """Store bytes once per content; return the (possibly existing) StoredFile row. The
    bytes are written before the row: a rollback leaves at most an unreferenced file,
    never a row without its file."""
    digest = hashlib.sha256(data).hexdigest()
    return _saved(
        digest, len(data), content_type, lambda key: backend().put(key, data, content_type)
    )


def save_file(path: Path, content_type: str, sha256: str, size: int) -> StoredFile:
    """Store a file on disk whose SHA-256 and size the caller computed as it wrote it (a
    large generated file, never held whole), as save_bytes does: the bytes first, then
    the row, once per content."""
    return _saved(
        sha256, size, content_type, lambda key: backend().put_file(key, path, content_type)
    )


def _saved(digest: str, size: int, content_type: str, write: Callable[[str], None]) -> StoredFile:
    lock_until_commit(_content_lock(digest))
    existing = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    try:
        if not backend().exists(key_for(digest)):
            write(key_for(digest))
    except StoreUnreachable as error:
        current_app.logger.warning("document store unreachable on write: %s", error)
        raise StoreUnavailable() from error
    if existing is not None:
        return existing
    stored = StoredFile(sha256=digest, size=size, content_type=content_type)
    db.session.add(stored)
    db.session.flush()
    return stored


def in_use(stored_file_id: int) -> bool:
    """Whether any row names this stored file (every foreign key to stored_files, found
    in the models' metadata, so a new one counts without a change here)."""
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is StoredFile.__table__ and key.parent.table is table:
                named = select(key.parent).where(key.parent == stored_file_id).limit(1)
                if db.session.execute(named).first() is not None:
                    return True
    return False


def delete_unused(stored: StoredFile) -> bool:
    """Commit the caller's transaction, deleting the stored file's row with it when no row
    names the file any more, and its bytes; True if it was deleted. For generated files
    with an end of life (exports): content-addressed bytes may be shared, so a file
    something else still names is kept. The caller has already dropped its own reference.

    Under the content's lock (_content_lock) until the commit, the bytes deleted before
    it: a save of the same bytes waits, then finds neither row nor bytes and writes both.
    A commit that fails after the bytes went leaves the row without its file, for the
    next sweep to delete again (`documents verify` counts it meanwhile)."""
    sha256 = stored.sha256
    lock_until_commit(_content_lock(sha256))
    db.session.flush()
    unused = not in_use(stored.id)
    if unused:
        db.session.delete(stored)
        db.session.flush()
        try:
            backend().delete(key_for(sha256))
        except StoreUnreachable as error:
            # The row goes: the bytes stay as an unreferenced file, harmless (a backup
            # copies it, `documents verify` counts only rows without their file).
            current_app.logger.warning("stored file %s not deleted: %s", sha256, error)
    db.session.commit()
    return unused


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
    try:
        return backend().read(key_for(stored.sha256))
    except StoreUnreachable as error:
        raise StoreUnavailable() from error


def copy_stored(stored: StoredFile, target: IO[bytes]) -> None:
    """Copy a stored file's bytes into `target` as they stream from the store (a large
    file is never held whole), checking them against the file's SHA-256."""
    digest = hashlib.sha256()
    try:
        body = backend().open(key_for(stored.sha256))
        try:
            while chunk := body.read(COPY_CHUNK_BYTES):
                digest.update(chunk)
                target.write(chunk)
        finally:
            body.close()
    except StoreUnreachable as error:
        current_app.logger.warning("document store unreachable on read: %s", error)
        raise StoreUnavailable(DOWNLOAD_UNAVAILABLE) from error
    if digest.hexdigest() != stored.sha256:
        raise RuntimeError(f"stored file {stored.sha256} does not match its SHA-256")


def stored_keys() -> list[str]:
    """Every file the store holds, by key (`ab/abcdef...`)."""
    return list(backend().list_keys())


class Prefetched:
    """A stored file's body for send_file, its first chunk already read.

    The first chunk is read before the response starts, so a store that fails then
    answers the 503 page. A fault after that comes when the status line and headers
    have gone: it is logged and raised, so the server drops the connection, and the
    browser, counting against Content-Length, reports the download as failed, to be
    tried again; nothing can turn it into an error page any more."""

    def __init__(self, first: bytes, body: Readable, sha256: str) -> None:
        self.first, self.body, self.sha256 = first, body, sha256
        self.sent = 0

    def read(self, size: int = -1, /) -> bytes:
        if self.first:
            chunk, self.first = self.first, b""
        else:
            try:
                chunk = self.body.read(size)
            except StoreUnreachable:
                current_app.logger.warning(
                    "document store failed after %s bytes of %s: the download is cut short",
                    self.sent,
                    self.sha256,
                )
                raise
        self.sent += len(chunk)
        return chunk

    def close(self) -> None:
        self.body.close()


def send_stored(stored: StoredFile, filename: str):
    """Stream a stored file as a download through the portal, after the view's access
    check; the browser must not sniff or render it inline. No presigned URL: a link to the
    bucket would work for whoever holds it until it expires, after the person signed out
    or lost access, and would need the bucket reachable from the Internet."""
    body: Readable | None = None
    try:
        body = backend().open(key_for(stored.sha256))
        first = body.read(FIRST_CHUNK_BYTES)
    except StoreUnreachable as error:
        if body is not None:
            body.close()
        current_app.logger.warning("document store unreachable on read: %s", error)
        raise StoreUnavailable(DOWNLOAD_UNAVAILABLE) from error
    except FileNotFoundError as error:
        raise StoredFileMissing(stored.sha256) from error
    response = send_file(
        # send_file only calls read() and close() (werkzeug's or gunicorn's file wrapper).
        cast(IO[bytes], Prefetched(first, body, stored.sha256)),
        mimetype=stored.content_type,
        as_attachment=True,
        # Names stored before control characters were dropped on upload are cleaned here.
        download_name=clean_name(filename, "download"),
        max_age=0,
        conditional=False,
    )
    response.content_length = stored.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
