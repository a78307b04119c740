"""`flask documents migrate-to` (a folder store copied into a bucket: idempotent,
resumable, counted) and `flask documents check` (a bucket fit to go live), and the
settings production refuses."""

import hashlib

import pytest
from moto import mock_aws

from portal import create_app
from portal.config import UnsafeConfiguration
from portal.documents.backends import FolderBackend, key_for
from portal.documents.store import save_bytes
from portal.extensions import db
from tests.support.files import JPEG, PDF, PNG
from tests.support.stored import make_bucket, set_test_credentials, store_settings

BUCKET_URL = "s3://archive/city"


@pytest.fixture
def bucket(app, monkeypatch):
    """A bucket of moto's in-process mock, and the app's settings naming no other endpoint."""
    set_test_credentials(monkeypatch)
    with mock_aws(), store_settings(app, ""):
        yield make_bucket("archive")


@pytest.fixture
def folder_store(app, tmp_path):
    """A folder store of its own (the suite's holds other tests' files) with three files,
    each with its row."""
    saved = app.config["DOCUMENT_STORE_PATH"]
    app.config["DOCUMENT_STORE_PATH"] = str(tmp_path / "documents")
    with store_settings(app, ""):  # a folder store even when the suite runs on a bucket
        for data, kind in ((PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")):
            save_bytes(data, kind)
        db.session.commit()
        yield FolderBackend(app.config["DOCUMENT_STORE_PATH"])
    app.config["DOCUMENT_STORE_PATH"] = saved


def _migrate(app, *args: str):
    return app.test_cli_runner().invoke(args=["documents", "migrate-to", BUCKET_URL, *args])


def _held(client) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket="archive").get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket="archive", Key=item["Key"])["Body"].read()
        for item in listing
    }


def test_migrate_copies_every_file_then_skips_what_is_there(app, folder_store, bucket):
    result = _migrate(app)
    assert result.exit_code == 0, result.output
    assert "copied 3, already there 0, corrupt 0, rows whose file is not in the source 0" in (
        result.output
    )
    held = _held(bucket)
    assert held == {f"city/{key}": folder_store.read(key) for key in folder_store.list_keys()}
    head = bucket.head_object(Bucket="archive", Key=f"city/{key_for(_sha(PNG))}")
    assert head["ContentType"] == "image/png"

    again = _migrate(app)
    assert again.exit_code == 0
    assert "copied 0, already there 3" in again.output


def test_migrate_resumes_where_a_stopped_run_left_off(app, folder_store, bucket):
    # A run that stopped after one file (or a bucket half-filled some other way).
    bucket.put_object(Bucket="archive", Key=f"city/{key_for(_sha(PDF))}", Body=PDF)
    # A file cut short by a crash is copied again: its size differs.
    bucket.put_object(Bucket="archive", Key=f"city/{key_for(_sha(PNG))}", Body=PNG[:5])
    result = _migrate(app)
    assert "copied 2, already there 1" in result.output
    assert _held(bucket)[f"city/{key_for(_sha(PNG))}"] == PNG


def test_migrate_reports_and_skips_a_corrupt_file_and_a_missing_one(app, folder_store, bucket):
    (folder_store.path(key_for(_sha(PNG)))).write_bytes(b"not the png")
    folder_store.path(key_for(_sha(JPEG))).unlink()
    result = _migrate(app)
    assert result.exit_code == 1
    assert "content does not match its name" in result.output
    assert "copied 1, already there 0, corrupt 1, rows whose file is not in the source 1" in (
        result.output
    )


def test_migrate_refuses_a_malformed_url(app):
    result = app.test_cli_runner().invoke(args=["documents", "migrate-to", "archive/city"])
    assert result.exit_code != 0
    assert "s3://bucket/prefix" in result.output


def test_check_passes_a_private_bucket_and_names_what_makes_one_public(app, bucket):
    with store_settings(app, BUCKET_URL):
        runner = app.test_cli_runner()
        result = runner.invoke(args=["documents", "check"])
        assert result.exit_code == 1
        assert "no public access block" in result.output

        bucket.put_public_access_block(
            Bucket="archive",
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        result = runner.invoke(args=["documents", "check"])
        assert result.exit_code == 0, result.output
        assert "reachable, writable, private" in result.output

        bucket.put_bucket_acl(Bucket="archive", ACL="public-read")
        result = runner.invoke(args=["documents", "check"])
        assert result.exit_code == 1
        assert "grants READ to everyone" in result.output


def test_a_malformed_store_url_refuses_to_start(monkeypatch):
    monkeypatch.setenv("DOCUMENT_STORE_URL", "documents-bucket")
    with pytest.raises(UnsafeConfiguration, match="s3://bucket/prefix"):
        create_app()


def test_production_refuses_a_store_endpoint_over_plain_http(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/portal")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    monkeypatch.setenv("DOCUMENT_STORE_URL", "s3://documents")
    monkeypatch.setenv("DOCUMENT_STORE_ENDPOINT_URL", "http://minio.internal:9000")
    with pytest.raises(UnsafeConfiguration, match="must use https"):
        create_app()
    # Loopback is this machine: nothing crosses a network.
    monkeypatch.setenv("DOCUMENT_STORE_ENDPOINT_URL", "http://127.0.0.1:9000")
    create_app()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_uploaded_while_a_backup_copies_is_not_called_missing(
    app, folder_store, tmp_path, monkeypatch
):
    # The production drill's mid-load backup failed this way: a file and its row written
    # between the check's listing of the store and its reading of the rows.
    listing = FolderBackend.list_keys
    listings = []

    def listing_then_an_upload(self):
        yield from listing(self)
        listings.append(self)
        if len(listings) == 2:  # the check's listing; the copy's was the first
            save_bytes(PDF + b"uploaded meanwhile", "application/pdf")
            db.session.commit()

    monkeypatch.setattr(FolderBackend, "list_keys", listing_then_an_upload)
    result = app.test_cli_runner().invoke(
        args=["documents", "copy", "--to", str(tmp_path / "backup")]
    )
    assert result.exit_code == 0, result.output
    assert "rows whose file is not in the source 0" in result.output


def test_copy_backs_the_store_up_and_verify_finds_a_changed_or_missing_file(
    app, folder_store, tmp_path
):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "copy", "--to", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "copied 3, already there 0" in result.output
    assert sorted(FolderBackend(tmp_path / "backup").list_keys()) == sorted(
        folder_store.list_keys()
    )
    with store_settings(app, ""):
        result = runner.invoke(args=["documents", "verify"])
        assert "files verified 3, missing 0, changed 0" in result.output
        folder_store.path(key_for(_sha(PNG))).write_bytes(b"tampered")
        folder_store.path(key_for(_sha(JPEG))).unlink()
        result = runner.invoke(args=["documents", "verify"])
    assert result.exit_code == 1
    assert "files verified 1, missing 1, changed 1" in result.output
