"""`flask seed-demo` loads the demo, can run twice, and is refused in production."""

from datetime import timedelta

from sqlalchemy import func, select

from portal import calendar
from portal.applications.models import ApplicationStatus, CofOApplication
from portal.auth.models import User
from portal.auth.passwords import verify_password
from portal.certificates import verification
from portal.certificates.models import Certificate, CertificateKind
from portal.extensions import db
from portal.permits.models import (
    DataExport,
    ExportStatus,
    ImportStatus,
    Permit,
    PermitImport,
    PermitParty,
)


def _counts():
    return (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Permit.id))),
        db.session.scalar(select(func.count(PermitParty.id))),
        db.session.scalar(select(func.count(CofOApplication.id))),
    )


def test_seed_demo_twice_gives_the_same_demo(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "owner@example.com" in first.output
    counts = _counts()
    # Three of the permits carry the certificates in phases and in time.
    assert counts == (4, 10, 10, 8)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    # Import permits: a file imported by its job (three permits updated) and one rejected.
    assert [
        (i.filename, i.status, i.updated_permits, i.error_count)
        for i in db.session.scalars(select(PermitImport).order_by(PermitImport.id))
    ] == [
        ("permits-weekly-update.csv", ImportStatus.DONE, 3, 0),
        ("permits-with-errors.csv", ImportStatus.REJECTED, 0, 2),
    ]
    # Open data exports: every permit, written by its job, ready to download.
    [demo_export] = db.session.scalars(select(DataExport)).all()
    assert (demo_export.kind, demo_export.status) == ("permits", ExportStatus.DONE)
    assert demo_export.rows == counts[1]
    assert demo_export.requested_by.email == "staff@example.com"

    statuses = set(db.session.scalars(select(CofOApplication.status)))
    assert statuses == {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INFORMATION_REQUESTED,
        ApplicationStatus.RESUBMITTED,
        ApplicationStatus.ACCEPTED,
    }
    owner = db.session.scalar(select(User).where(User.email == "owner@example.com"))
    assert verify_password(owner.password_hash, app.config["DEMO_PASSWORD"])
    # One demo account reads Spanish, and says so.
    contractor = db.session.scalar(select(User).where(User.email == "contractor@example.com"))
    assert (owner.locale, contractor.locale) == ("en", "es")
    assert "contractor@example.com   Applicant (Español)" in first.output


def test_seed_demo_shows_each_certificate_state_and_prints_the_numbers(app, monkeypatch):
    runner = app.test_cli_runner()
    output = runner.invoke(args=["seed-demo"]).output
    kinds = {
        permit_num: (certificate.kind, certificate.current_version)
        for permit_num, certificate in db.session.execute(
            select(Permit.permit_num, Certificate).join(
                Certificate, Certificate.permit_id == Permit.id
            )
        )
    }
    partial_kind, _partial = kinds["BP-2026-100007"]
    expired_kind, expired = kinds["BP-2026-100008"]
    expiring_kind, expiring = kinds["BP-2026-100009"]
    assert partial_kind == CertificateKind.PARTIAL
    assert expired_kind == expiring_kind == CertificateKind.TEMPORARY
    today = calendar.local_today()
    assert expired.expires_on == today - timedelta(days=1)
    assert today < expiring.expires_on <= today + timedelta(days=30)
    with app.test_request_context():
        states = {
            number: verification.verify(certificate.number).state
            for number, certificate in db.session.execute(
                select(Permit.permit_num, Certificate).join(
                    Certificate, Certificate.permit_id == Permit.id
                )
            )
        }
    assert states == {
        "BP-2026-100007": "valid",
        "BP-2026-100008": "expired",
        "BP-2026-100009": "valid",
    }
    for certificate_number in (c.certificate.number for c in (expired, expiring)):
        assert certificate_number in output
    assert "a temporary certificate expired yesterday" in output


def test_seed_demo_if_empty_leaves_a_used_database_alone(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    db.session.execute(db.delete(CofOApplication).where(CofOApplication.status == "draft"))
    db.session.commit()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has accounts" in result.output
    assert _counts()[3] == 7


def test_seed_demo_is_refused_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused" in result.output
    assert _counts() == (0, 0, 0, 0)


def test_demo_staff_sign_in_with_the_published_second_factor(app, client):
    import pyotp

    from portal.demo import DEMO_TOTP_SECRET

    app.test_cli_runner().invoke(args=["seed-demo"])
    response = client.post(
        "/account/sign-in",
        data={"email": "staff@example.com", "password": app.config["DEMO_PASSWORD"]},
    )
    assert response.status_code == 302
    code_page = client.get(response.headers["Location"])
    assert code_page.status_code == 200
    response = client.post(
        response.headers["Location"], data={"code": pyotp.TOTP(DEMO_TOTP_SECRET).now()}
    )
    assert response.status_code == 302
    staff_home = client.get("/staff/")
    assert staff_home.status_code == 200
    assert b"Applications to review" in staff_home.data
