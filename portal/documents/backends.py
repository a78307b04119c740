"""Where the document store keeps its bytes: a folder (the embedded default) or an
S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), chosen by DOCUMENT_STORE_URL.

Both keep each file under its SHA-256 (`ab/abcdef...`, under the bucket's prefix), so a
file is written once whoever stores it, a rewrite puts the same bytes, and a folder store
copies into a bucket key for key (`flask documents migrate-to`). The bucket stays private:
objects are written without an ACL (they get the bucket's own, private by default) and
downloads pass through the portal, which checks access first (see store.send_stored).
"""

import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from portal.config import BucketLocation, parse_url

# What botocore raises for a fault on the way (BotoCoreError: connection, timeout...) or an
# error answer (ClientError: 404, 403, 5xx...).
FAULTS = (BotoCoreError, ClientError)
COPY_CHUNK = 1024 * 1024


class StoreUnreachable(Exception):
    """The backend could not be reached or refused the operation (a network fault, a
    5xx, a timeout, denied credentials): nothing was written."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class Backend(Protocol):
    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def put_file(self, key: str, path: Path, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def read(self, key: str) -> bytes: ...

    def open(self, key: str) -> Readable: ...

    def list_keys(self) -> Iterator[str]: ...


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


class FolderBackend:
    """Files under a folder on this machine (or a mount every web process shares)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.exists() else None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except OSError as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Copy a file on disk into the store (a large file is never held whole)."""
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
        except OSError as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error
        try:
            with os.fdopen(fd, "wb") as handle, path.open("rb") as source:
                shutil.copyfileobj(source, handle, COPY_CHUNK)
            os.replace(tmp, target)
        except OSError as error:
            # A copy cut short (a full disk) must not leave its partial file behind.
            Path(tmp).unlink(missing_ok=True)
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def list_keys(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/*")):
            # Skip a temporary file a crashed write left behind (tempfile names it "tmp"
            # and random letters): only a finished file has its SHA-256 as its name.
            if path.is_file() and len(path.name) == 64:
                yield f"{path.parent.name}/{path.name}"


def s3_client(endpoint_url: str | None):
    """A boto3 S3 client: region and credentials from the standard AWS variables (or the
    instance's role); short timeouts, so a store that is down fails the request in
    seconds with a message instead of holding a web process."""
    config = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        # Path-style works with every S3-compatible server, virtual-host style needs DNS.
        s3={"addressing_style": "path"} if endpoint_url else {},
    )
    return boto3.client("s3", endpoint_url=endpoint_url or None, config=config)


class S3Body:
    """An object's body as it streams from the bucket: a fault while reading it (the
    connection dropped, a read timeout, fewer bytes than announced) is StoreUnreachable,
    like a fault before it, not botocore's own exception."""

    def __init__(self, body) -> None:
        self.body = body

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self.body.read(None if size < 0 else size)
        except FAULTS as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        self.body.close()


class S3Backend:
    """Objects in one bucket, under one prefix."""

    def __init__(self, location: BucketLocation, client) -> None:
        self.location = location
        self.client = client

    def _key(self, key: str) -> str:
        return f"{self.location.prefix}/{key}" if self.location.prefix else key

    def _missing(self, error) -> bool:
        # Only an answer from the server can say "no such key"; botocore's read timeout
        # carries `response = None` (it descends from requests' exceptions), which once
        # turned a timed-out download into an AttributeError and a 500.
        if not isinstance(error, ClientError):
            return False
        return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.location.bucket, Key=self._key(key))
        except FAULTS as error:
            if self._missing(error):
                return None
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int | None:
        head = self._head(key)
        return None if head is None else int(head["ContentLength"])

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.location.bucket,
                Key=self._key(key),
                Body=data,
                ContentType=content_type,
                # The server checks the bytes it received against their hash.
                ChecksumSHA256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
            )
        except FAULTS as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Upload a file on disk, in parts when it is large (boto3's managed transfer), so
        it is never held whole; each part is checked by the server against its SHA-256."""
        try:
            self.client.upload_file(
                str(path),
                self.location.bucket,
                self._key(key),
                ExtraArgs={"ContentType": content_type, "ChecksumAlgorithm": "SHA256"},
            )
        except (*FAULTS, S3UploadFailedError) as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.location.bucket, Key=self._key(key))
        except FAULTS as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error

    def open(self, key: str) -> S3Body:
        try:
            answer = self.client.get_object(Bucket=self.location.bucket, Key=self._key(key))
        except FAULTS as error:
            if self._missing(error):
                raise FileNotFoundError(key) from error
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error
        return S3Body(answer["Body"])

    def read(self, key: str) -> bytes:
        body = self.open(key)
        try:
            return body.read()
        finally:
            body.close()

    def list_keys(self) -> Iterator[str]:
        prefix = f"{self.location.prefix}/" if self.location.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][len(prefix) :]
        except FAULTS as error:
            raise StoreUnreachable(f"{type(error).__name__}: {error}") from error


def from_settings(url: str, folder: str, endpoint_url: str | None = None) -> Backend:
    """The backend a deployment's settings name: the bucket when `url` is set, else the
    folder."""
    if not url:
        return FolderBackend(folder)
    return S3Backend(parse_url(url), s3_client(endpoint_url))
