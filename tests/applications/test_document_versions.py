"""Documents keep their history: a version a submission carried is never deleted; the
reviewer sees what the resubmission changed, the applicant the current set."""

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.applications import review, services
from portal.applications.models import ApplicationDocument, DocumentType
from portal.audit import AuditEvent
from portal.extensions import db
from portal.permits.models import PartyRole
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.applications import build_application
from tests.support.files import PDF, upload
from tests.support.pages import check_page


def pdf(name: str) -> FileStorage:
    return FileStorage(io.BytesIO(PDF + name.encode()), filename=name)


@pytest.fixture
def asked(app, permit, owner, reviewer):
    """Submitted once with stamped-plans.pdf; the department has asked for information."""
    application = build_application(permit, owner, complete=True, submit=True)
    with app.test_request_context():
        review.request_information(
            application, reviewer, application.version, "Send the fire alarm certificate."
        )
    return application


def all_versions(application):
    db.session.expire_all()
    return db.session.scalars(
        select(ApplicationDocument)
        .where(ApplicationDocument.application_id == application.id)
        .order_by(ApplicationDocument.id)
    ).all()


def test_replacing_after_a_submission_keeps_the_old_version(app, asked, owner):
    [plans] = asked.documents
    with app.test_request_context():
        new = services.add_document(
            asked, pdf("plans-v2.pdf"), DocumentType.STAMPED_PLANS, owner, replaces=plans
        )
    old, kept_new = all_versions(asked)
    assert (old.id, old.added_in, old.removed_in) == (plans.id, 1, 2)
    assert (kept_new.id, kept_new.added_in, kept_new.replaces_id) == (new.id, 2, plans.id)
    assert [d.filename for d in asked.documents] == ["plans-v2.pdf"]
    audited = db.session.scalars(select(AuditEvent.action)).all()
    assert "application.document_replaced" in audited
    assert "document.replaced" in db.session.scalars(select(TimelineEntry.event)).all()


def test_removing_after_a_submission_keeps_it_for_the_record(app, asked, owner):
    [plans] = asked.documents
    with app.test_request_context():
        services.remove_document(asked, plans, owner)
    [kept] = all_versions(asked)
    assert kept.removed_in == 2
    assert asked.documents == []


def test_removing_a_never_submitted_upload_deletes_it(app, asked, owner):
    with app.test_request_context():
        extra = services.add_document(asked, pdf("alarm.pdf"), DocumentType.FIRE_ALARM, owner)
        extra_id = extra.id
        services.remove_document(asked, extra, owner)
    assert extra_id not in [d.id for d in all_versions(asked)]


def test_replacing_a_draft_upload_deletes_it(app, permit, owner):
    draft = build_application(permit, owner, complete=True, submit=False)
    [plans] = draft.documents
    with app.test_request_context():
        services.add_document(
            draft, pdf("plans-v2.pdf"), DocumentType.STAMPED_PLANS, owner, replaces=plans
        )
    [only] = all_versions(draft)
    assert (only.filename, only.added_in, only.replaces_id) == ("plans-v2.pdf", 1, None)


def test_the_diff_since_the_last_submission(app, asked, owner):
    [plans] = asked.documents
    with app.test_request_context():
        extra = services.add_document(asked, pdf("extra.pdf"), DocumentType.OTHER, owner)
        services.add_document(
            asked, pdf("plans-v2.pdf"), DocumentType.STAMPED_PLANS, owner, replaces=plans
        )
        alarm = services.add_document(asked, pdf("alarm.pdf"), DocumentType.FIRE_ALARM, owner)
        # A version replaced before it was ever submitted is not part of the history.
        services.add_document(
            asked, pdf("alarm-v2.pdf"), DocumentType.FIRE_ALARM, owner, replaces=alarm
        )
        services.remove_document(asked, extra, owner)
    assert review.document_changes(asked) is None  # nothing resubmitted yet
    with app.test_request_context():
        services.resubmit(asked, owner)
    changes = review.document_changes(asked)
    assert [d.filename for d in changes.added] == ["alarm-v2.pdf"]
    assert [(old.filename, new.filename) for old, new in changes.replaced] == [
        ("stamped-plans.pdf", "plans-v2.pdf")
    ]
    assert changes.removed == []
    assert sorted(d.filename for d in asked.documents) == ["alarm-v2.pdf", "plans-v2.pdf"]


def test_a_removal_shows_as_removed(app, asked, owner, reviewer, staff_client):
    [plans] = asked.documents
    with app.test_request_context():
        services.add_document(asked, pdf("plans-v2.pdf"), DocumentType.STAMPED_PLANS, owner)
        services.remove_document(asked, plans, owner)
        services.resubmit(asked, owner)
    changes = review.document_changes(asked)
    assert [d.filename for d in changes.added] == ["plans-v2.pdf"]
    assert [d.filename for d in changes.removed] == ["stamped-plans.pdf"]
    page = staff_client.get(f"/staff/applications/{asked.id}")
    check_page(page.data)
    assert b"Documents changed since the last submission" in page.data
    assert b"Removed:" in page.data
    # The removed version stays downloadable for staff.
    download = staff_client.get(f"/permits/{asked.permit_id}/application/documents/{plans.id}")
    assert download.status_code == 200


def test_the_applicant_sees_only_the_current_set(app, asked, owner, owner_client):
    [plans] = asked.documents
    url = f"/permits/{asked.permit_id}/application/documents"
    response = owner_client.post(
        url,
        data={
            "document_type": "stamped_plans",
            "replaces": str(plans.id),
            "file": upload(PDF, "plans-v2.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = owner_client.get(url)
    check_page(page.data)
    assert b"plans-v2.pdf" in page.data
    assert b"stamped-plans.pdf" not in page.data
    overview = owner_client.get(f"/permits/{asked.permit_id}/application/check")
    assert overview.status_code == 200
    assert b"stamped-plans.pdf" not in overview.data


def test_replacing_a_document_no_longer_current_is_refused(app, asked, owner, owner_client):
    [plans] = asked.documents
    with app.test_request_context():
        services.remove_document(asked, plans, owner)
    response = owner_client.post(
        f"/permits/{asked.permit_id}/application/documents",
        data={
            "document_type": "stamped_plans",
            "replaces": str(plans.id),
            "file": upload(PDF, "plans-v2.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"The document to replace is no longer on the application." in response.data
    assert [d.filename for d in all_versions(asked)] == ["stamped-plans.pdf"]


def test_another_applicant_gets_404_for_an_old_version(app, asked, owner, client):
    [plans] = asked.documents
    with app.test_request_context():
        services.remove_document(asked, plans, owner)
    stranger = make_user(email="stranger@example.com")
    add_party(make_permit(permit_num="BP-OTHER"), stranger, PartyRole.OWNER)
    sign_in_as(client, stranger)
    response = client.get(f"/permits/{asked.permit_id}/application/documents/{plans.id}")
    assert response.status_code == 404
