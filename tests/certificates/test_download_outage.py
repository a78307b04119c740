"""A certificate's PDF asked for while the document store or Redis is away answers the
503 page with Retry-After, never a 500 (the production drill's one 500, issue 15: a
download inside the window where S3 was stopped and Redis restarted).

The bucket is moto's in-process mock; the faults are boto3's own exceptions raised by the
app's client (connection refused, a read timeout, a 5xx) or by the object's body while it
streams, as botocore raises them."""

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from sqlalchemy import select

from portal.certificates import rendering
from portal.certificates.models import CertificateVersion
from portal.documents import store
from portal.documents.backends import StoreUnreachable, key_for
from portal.error_pages import RETRY_STORE_SECONDS
from portal.extensions import db
from tests.factories import certificates as factories
from tests.support.pages import check_page
from tests.support.stored import closed_port_url

FAULTS = {
    "connection refused": EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    "read timeout": ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
    "server error": ClientError(
        {"Error": {"Code": "503", "Message": "Slow Down"}, "ResponseMetadata": {}}, "GetObject"
    ),
}


def _download_url(application) -> str:
    return f"/permits/{application.permit_id}/certificate/pdf"


def _failing_body(client, monkeypatch, *, after: bytes | None):
    """The object's body raises as botocore does when the connection drops mid-read:
    at once (`after` None) or after giving `after`."""
    real_get = client.get_object

    class Body:
        def __init__(self, real) -> None:
            self.real, self.given = real, after is None

        def read(self, amt=None):
            if not self.given:
                self.given = True
                return after
            raise ResponseStreamingError(error="Connection broken: IncompleteRead")

        def close(self) -> None:
            self.real.close()

    def get_object(**kwargs):
        answer = real_get(**kwargs)
        answer["Body"] = Body(answer["Body"])
        return answer

    monkeypatch.setattr(client, "get_object", get_object)


def _assert_try_again(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_STORE_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    assert "The file is not available just now" in response.text
    check_page(response.data)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_store_fault_on_the_download_answers_try_again(
    fault, app, application, staff, owner_client, s3_store, monkeypatch
):
    factories.issue(application, staff)
    client = store.backend().client  # type: ignore[attr-defined]

    def refuse(**kwargs):
        raise FAULTS[fault]

    monkeypatch.setattr(client, "get_object", refuse)
    _assert_try_again(owner_client.get(_download_url(application)))


def test_a_body_that_fails_before_its_first_byte_answers_try_again(
    app, application, staff, owner_client, s3_store, monkeypatch
):
    # Before the fix the body was read only as the response streamed, after the view
    # returned: botocore's exception escaped the app, and gunicorn, with no byte sent
    # yet, answered its own 500.
    factories.issue(application, staff)
    _failing_body(store.backend().client, monkeypatch, after=None)  # type: ignore[attr-defined]
    _assert_try_again(owner_client.get(_download_url(application)))


def test_a_body_that_fails_after_its_first_bytes_cuts_the_download_short(
    app, application, staff, owner_client, s3_store, monkeypatch, caplog
):
    # The status line and headers are gone by then: the server can only drop the
    # connection, and the browser sees fewer bytes than Content-Length announced.
    factories.issue(application, staff)
    _failing_body(store.backend().client, monkeypatch, after=b"%PDF-1.7")  # type: ignore[attr-defined]
    response = owner_client.get(_download_url(application), buffered=False)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > len(b"%PDF-1.7")
    with pytest.raises(StoreUnreachable):
        response.get_data()
    assert "the download is cut short" in caplog.text


def test_the_whole_file_still_streams_from_the_bucket(
    app, application, staff, owner_client, s3_store
):
    factories.issue(application, staff)
    version = db.session.scalars(select(CertificateVersion)).one()
    response = owner_client.get(_download_url(application))
    assert response.status_code == 200
    assert response.data == store.read_bytes(version.stored_file)
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_a_pending_pdf_with_redis_and_the_store_away_says_being_prepared(
    app, application, staff, owner_client, store_down, monkeypatch
):
    # The render job met the store away, and Redis restarts as the download queues the
    # job again: the page still says the PDF is being prepared.
    factories.issue(application, staff, pdf=False)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://{closed_port_url()[7:]}/0")
    # The RQ queue is made on first use, on this Redis; gone after the test.
    monkeypatch.setitem(app.extensions, "portal_jobs_queue", None)
    response = owner_client.get(_download_url(application))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(rendering.RETRY_AFTER_SECONDS)
    assert "PDF is being prepared" in response.text
    check_page(response.data)


def _lose_the_file(client, version: CertificateVersion) -> None:
    """Delete the PDF's bytes from the store the app uses, leaving its row."""
    key = key_for(version.stored_file.sha256)
    backend = store.backend()
    if client is None:
        backend.path(key).unlink()  # type: ignore[attr-defined]
    else:
        client.delete_object(Bucket=backend.location.bucket, Key=backend._key(key))  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend_kind", ["folder", "s3"])
def test_a_file_missing_from_the_store_answers_a_page_that_says_so(
    backend_kind, app, application, staff, owner_client, request, caplog
):
    # Before the fix the store's FileNotFoundError escaped the view: a 500.
    client = request.getfixturevalue("s3_store") if backend_kind == "s3" else None
    if client is None and app.config["DOCUMENT_STORE_URL"]:
        pytest.skip("the suite's store is a bucket here (TEST_DOCUMENT_STORE_URL)")
    factories.issue(application, staff)
    version = db.session.scalars(select(CertificateVersion)).one()
    _lose_the_file(client, version)
    with caplog.at_level("ERROR"):
        response = owner_client.get(_download_url(application))
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "This file is missing" in response.text
    assert "Reference:" in response.text
    check_page(response.data)
    assert f"stored file {version.stored_file.sha256} is missing" in caplog.text
