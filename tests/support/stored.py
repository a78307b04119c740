"""The document store in tests: a stored file read back by its SHA-256 whichever backend
holds it (folder or bucket), and the store switched to a bucket: moto's in-process mock,
a real S3-compatible server (TEST_S3_ENDPOINT_URL, e.g. `moto_server` in CI), or a server
that does not answer."""

import os
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path

import boto3

from portal.documents.backends import key_for
from portal.documents.store import backend

BUCKET = "portal-test"


def stored_bytes(sha256: str) -> bytes:
    return backend().read(key_for(sha256))


def stored_text(sha256: str) -> str:
    """Decoded with universal newlines, as Path.read_text reads (an .ics ends lines with CRLF)."""
    return stored_bytes(sha256).decode().replace("\r\n", "\n").replace("\r", "\n")


def stored_path(sha256: str) -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=f"-{sha256[:12]}", delete=False)  # noqa: SIM115
    with handle:
        handle.write(stored_bytes(sha256))
    return Path(handle.name)


def set_test_credentials(monkeypatch) -> None:
    """Requests are signed even for a mock: fake credentials, never the machine's own; and
    no endpoint from the environment (a run on a real server sets one), so a client made
    without one talks to moto's in-process mock."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def s3_server_url() -> str:
    return os.environ.get("TEST_S3_ENDPOINT_URL", "")


def make_bucket(name: str, endpoint_url: str | None = None):
    """The bucket, created if missing; returns a client for it."""
    client = boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1")
    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    if name not in existing:
        client.create_bucket(Bucket=name)
    return client


def closed_port_url() -> str:
    """An address on loopback where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def store_settings(app, url: str, endpoint_url: str = ""):
    """The app's document store switched to `url` (s3://...) for the block."""
    saved = (app.config["DOCUMENT_STORE_URL"], app.config["DOCUMENT_STORE_ENDPOINT_URL"])
    app.config["DOCUMENT_STORE_URL"] = url
    app.config["DOCUMENT_STORE_ENDPOINT_URL"] = endpoint_url
    app.extensions.pop("document_store", None)
    try:
        yield
    finally:
        app.config["DOCUMENT_STORE_URL"], app.config["DOCUMENT_STORE_ENDPOINT_URL"] = saved
        app.extensions.pop("document_store", None)
