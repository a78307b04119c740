"""The Background jobs page: admins see what is queued, running and failed for good, and
Retry queues a failed job again (audited); a receipt whose rendering kept failing is made
once the cause is gone."""

import pytest

from portal.auth.models import Role
from portal.extensions import db
from portal.payments import receipts, services
from portal.payments.models import FeeKind, PaymentMethod
from tests.factories import make_user, sign_in_as
from tests.factories.payments import reload_payment
from tests.support.audit import audit_entries
from tests.support.jobs import a_failed_job, fail_for_good, queued_jobs, run_jobs
from tests.support.pages import check_page

PAGE = "/staff/background-jobs"


@pytest.fixture
def admin_client(client):
    sign_in_as(client, make_user(email="ada@example.com", role=Role.ADMIN, name="Ada Admin"))
    return client


def _page(client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    check_page(response.data)
    return response.get_data(as_text=True)


def test_only_admins_see_the_page(client):
    sign_in_as(client, make_user(email="sam@example.com", role=Role.STAFF))
    assert client.get(PAGE).status_code == 404


def test_an_empty_queue_says_so(admin_client):
    html = _page(admin_client)
    assert "Background jobs" in html
    assert "No job has failed." in html
    assert "No Redis is configured" in html


def test_a_failed_job_is_listed_with_its_error_and_retry_queues_it_again(admin_client):
    job_id = a_failed_job()
    html = _page(admin_client)
    assert "Failed for good (1)" in html
    assert "Make a receipt" in html
    assert "StaleRecord" in html
    assert f'value="{job_id}"' in html

    response = admin_client.post(f"{PAGE}/retry", data={"job_id": job_id})
    assert response.status_code == 302
    html = _page(admin_client)
    assert "The job is queued again." in html
    assert "No job has failed." in html
    assert queued_jobs() == [job_id]
    [entry] = audit_entries("job.retried")
    assert entry.details == {"job": job_id, "task": "receipts.issue"}
    assert entry.actor_id is not None

    # A second click (another tab) finds nothing to retry.
    admin_client.post(f"{PAGE}/retry", data={"job_id": job_id})
    assert "no longer failed" in _page(admin_client)
    assert len(audit_entries("job.retried")) == 1


def test_a_receipt_that_failed_for_good_is_made_by_retry_once_fixed(
    admin_client, fixed_today, permit, inspector, monkeypatch
):
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access at the visit")
    db.session.commit()
    fee_ids = [fee.id for fee in services.fees_for_permit(permit.id)]
    paid = services.record_counter_payment(
        permit, inspector, fee_ids, PaymentMethod.CASH, "C-2002"
    ).id
    render = receipts.render_receipt_pdf

    def broken(payment):
        raise MemoryError("the renderer ran out of memory")

    monkeypatch.setattr(receipts, "render_receipt_pdf", broken)
    fail_for_good(f"receipts_issue-{paid}")
    assert "Failed for good (1)" in _page(admin_client)
    assert reload_payment(paid).receipt_file is None

    monkeypatch.setattr(receipts, "render_receipt_pdf", render)
    admin_client.post(f"{PAGE}/retry", data={"job_id": f"receipts_issue-{paid}"})
    run_jobs()
    assert reload_payment(paid).receipt_file is not None
    assert "No job has failed." in _page(admin_client)


def test_with_redis_away_the_page_and_retry_say_so(admin_client, app, monkeypatch):
    # Nothing listens on port 1.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "portal_jobs_queue", None)
    assert "The job queue cannot be reached right now" in _page(admin_client)
    response = admin_client.post(f"{PAGE}/retry", data={"job_id": "receipts_issue-1"})
    assert response.status_code == 302
    assert "Try again in a few minutes." in _page(admin_client)
    assert audit_entries("job.retried") == []
