"""The two backends of the document store, on their own: a folder, and an S3 bucket (moto's
in-process mock, and a real S3 server over HTTP when TEST_S3_ENDPOINT_URL names one)."""

import hashlib
import shutil

import pytest
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws

from portal.config import parse_url
from portal.documents.backends import (
    FolderBackend,
    S3Backend,
    StoreUnreachable,
    from_settings,
    key_for,
    s3_client,
)
from tests.support.files import PDF, PNG
from tests.support.stored import (
    closed_port_url,
    make_bucket,
    s3_server_url,
    set_test_credentials,
)

KEY = key_for(hashlib.sha256(PDF).hexdigest())


def _exercise(store) -> None:
    """What the store needs of any backend: write once, read back, sizes, a listing."""
    assert not store.exists(KEY)
    assert store.size(KEY) is None
    store.put(KEY, PDF, "application/pdf")
    store.put(KEY, PDF, "application/pdf")  # content-addressed: a rewrite is harmless
    assert store.exists(KEY)
    assert store.size(KEY) == len(PDF)
    assert store.read(KEY) == PDF
    with_body = store.open(KEY)
    try:
        assert with_body.read() == PDF
    finally:
        with_body.close()
    other = key_for(hashlib.sha256(PNG).hexdigest())
    store.put(other, PNG, "image/png")
    assert sorted(store.list_keys()) == sorted([KEY, other])
    with pytest.raises(FileNotFoundError):
        store.read(key_for("f" * 64))


def test_the_folder_backend(tmp_path):
    store = FolderBackend(tmp_path / "documents")
    assert list(store.list_keys()) == []
    _exercise(store)
    assert (tmp_path / "documents" / KEY).read_bytes() == PDF


def test_a_failed_copy_into_the_folder_leaves_no_temporary_file(tmp_path, monkeypatch):
    source = tmp_path / "export.csv"
    source.write_bytes(PDF)
    store = FolderBackend(tmp_path / "documents")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", disk_full)
    with pytest.raises(StoreUnreachable):
        store.put_file(KEY, source, "text/csv")
    assert [path for path in (tmp_path / "documents").rglob("*") if path.is_file()] == []


def test_the_folder_listing_skips_a_crashed_writes_temporary_file(tmp_path):
    store = FolderBackend(tmp_path)
    store.put(KEY, PDF, "application/pdf")
    (tmp_path / KEY[:2] / "tmpab12cd").write_bytes(b"half")
    assert list(store.list_keys()) == [KEY]


def test_the_s3_backend_on_moto(monkeypatch):
    set_test_credentials(monkeypatch)
    with mock_aws():
        client = make_bucket("docs")
        store = S3Backend(parse_url("s3://docs/city/documents"), s3_client(None))
        _exercise(store)
        head = client.head_object(Bucket="docs", Key=f"city/documents/{KEY}")
        assert head["ContentType"] == "application/pdf"
        # Written without an ACL: only the bucket's owner is granted anything.
        grants = client.get_object_acl(Bucket="docs", Key=f"city/documents/{KEY}")["Grants"]
        assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]


def test_a_bucket_without_a_prefix(monkeypatch):
    set_test_credentials(monkeypatch)
    with mock_aws():
        client = make_bucket("docs")
        store = from_settings("s3://docs", "/unused")
        store.put(KEY, PDF, "application/pdf")
        assert client.get_object(Bucket="docs", Key=KEY)["Body"].read() == PDF


def test_a_server_that_does_not_answer_is_unreachable_not_missing(monkeypatch):
    set_test_credentials(monkeypatch)
    store = S3Backend(parse_url("s3://docs"), s3_client(closed_port_url()))
    with pytest.raises(StoreUnreachable):
        store.exists(KEY)
    with pytest.raises(StoreUnreachable):
        store.put(KEY, PDF, "application/pdf")
    with pytest.raises(StoreUnreachable):
        store.open(KEY)


def test_a_read_timeout_is_unreachable_not_a_crash(monkeypatch):
    # botocore's ReadTimeoutError has `response = None`: reading an error code from it
    # raised AttributeError, a 500 where the store's 503 page belonged.
    set_test_credentials(monkeypatch)
    with mock_aws():
        make_bucket("docs")
        client = s3_client(None)
        store = S3Backend(parse_url("s3://docs"), client)
        store.put(KEY, PDF, "application/pdf")

        def time_out(**kwargs):
            raise ReadTimeoutError(endpoint_url="http://127.0.0.1:9")

        for method in ("head_object", "get_object"):
            monkeypatch.setattr(client, method, time_out)
        with pytest.raises(StoreUnreachable):
            store.exists(KEY)
        with pytest.raises(StoreUnreachable):
            store.open(KEY)


@pytest.mark.parametrize(
    "url", ["s3:/docs", "docs/prefix", "https://docs/prefix", "s3://", "s3://docs/p?x=1"]
)
def test_a_malformed_store_url_is_refused(url):
    with pytest.raises(ValueError, match="DOCUMENT_STORE_URL"):
        parse_url(url)


@pytest.mark.s3_server
def test_the_s3_backend_on_a_real_s3_server(monkeypatch):
    endpoint = s3_server_url()
    if not endpoint:
        pytest.fail("no S3 server: set TEST_S3_ENDPOINT_URL")
    set_test_credentials(monkeypatch)
    make_bucket("backend-test", endpoint)
    store = S3Backend(parse_url("s3://backend-test/run"), s3_client(endpoint))
    for key in list(store.list_keys()):
        store.client.delete_object(Bucket="backend-test", Key=f"run/{key}")
    _exercise(store)
