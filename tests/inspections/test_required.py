"""The catalogue, and what each permit must pass: derived from the scope, changed by staff."""

from sqlalchemy import event, func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.inspections import catalogue
from portal.inspections.models import InspectionType, RequiredInspection
from portal.payments.models import FeeSchedule
from portal.permits import services as permit_services
from portal.timeline import TimelineEntry
from tests.factories import make_permit
from tests.factories.inspections import make_request, required_by_code, type_by_code
from tests.support.pages import check_page
from tests.support.permit_csv import csv_file, permit_row


def csrf(client, prefix: str) -> dict:
    return {f"{prefix}-csrf_token": client.csrf_token()}


def codes(permit_id: int) -> set[str]:
    return {r.inspection_type.code for r in catalogue.required_inspections(permit_id)}


def test_seed_types_is_idempotent_and_keeps_admin_changes(app):
    assert catalogue.seed_types() == len(catalogue.CATALOGUE)
    electrical = type_by_code("ELEC-FIN")
    electrical.fee_cents = 5000
    electrical.name = "Electrical final (renamed)"
    db.session.commit()
    assert catalogue.seed_types() == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count(InspectionType.id))) == len(catalogue.CATALOGUE)
    assert type_by_code("ELEC-FIN").fee_cents == 5000
    assert type_by_code("ELEC-FIN").name == "Electrical final (renamed)"
    assert db.session.scalar(select(func.count(FeeSchedule.id))) == 1
    stages = {t.code: t.stage.value for t in catalogue.inspection_types()}
    assert stages["PLB-UG"] == "underground"
    assert stages["COFO-FPB"] == "cofo"


def test_seed_types_command(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["inspections", "seed-types"])
    assert first.exit_code == 0, first.output
    assert f"added: {len(catalogue.CATALOGUE)}" in first.output
    second = runner.invoke(args=["inspections", "seed-types"])
    assert "added: 0" in second.output


def test_import_derives_required_inspections_from_the_scope(app):
    catalogue.seed_types()
    report = permit_services.import_permits(
        csv_file(
            [
                permit_row(PermitNum="BP-D-1", Scope="new_construction;electrical"),
                permit_row(PermitNum="BP-D-2", Scope="plumbing"),
            ]
        )
    )
    assert report.ok, report.errors
    first = db.session.scalar(
        select(RequiredInspection.permit_id)
        .join(RequiredInspection.inspection_type)
        .where(InspectionType.code == "CARP-RGH")
    )
    assert codes(first) == {"CARP-RGH", "CARP-FIN", "ELEC-RGH", "ELEC-FIN", "COFO-DOB", "COFO-FPB"}
    from portal.permits.models import Permit

    second = db.session.scalar(select(Permit).where(Permit.permit_num == "BP-D-2"))
    assert codes(second.id) == {"PLB-UG", "PLB-RGH", "PLB-FIN", "COFO-DOB", "COFO-FPB"}


def test_reimport_adds_new_trades_and_keeps_staff_removals(app, inspector):
    catalogue.seed_types()
    permit_services.import_permits(csv_file([permit_row(PermitNum="BP-R-1", Scope="electrical")]))
    from portal.permits.models import Permit

    permit = db.session.scalar(select(Permit).where(Permit.permit_num == "BP-R-1"))
    catalogue.remove_required(
        permit, required_by_code(permit, "ELEC-RGH").id, "Service upgrade only", inspector
    )
    permit_services.import_permits(
        csv_file([permit_row(PermitNum="BP-R-1", Scope="electrical;ventilation")])
    )
    assert codes(permit.id) == {"ELEC-FIN", "VENT-RGH", "VENT-FIN", "COFO-DOB", "COFO-FPB"}


def test_derivation_is_a_fixed_number_of_statements(app):
    catalogue.seed_types()
    scopes = {
        make_permit(scope=["electrical", "iron"]).id: ["electrical", "iron"] for _ in range(30)
    }
    statements = []
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        added = catalogue.derive_required(scopes)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    db.session.commit()
    assert added == 30 * 7  # electrical 2, iron 3 (rebar, rough, final), C of O 2
    assert len(statements) <= 3


def test_staff_add_and_remove_with_a_reason(staff_client, permit, inspector):
    page = staff_client.get(f"/staff/permits/{permit.id}/required-inspections")
    assert page.status_code == 200
    check_page(page.data)
    refrigeration = type_by_code("REFR-FIN")

    missing_reason = staff_client.post(
        f"/staff/permits/{permit.id}/required-inspections",
        data={
            "add-inspection_type": str(refrigeration.id),
            "add-reason": "",
            **csrf(staff_client, "add"),
        },
    )
    check_page(missing_reason.data)
    assert b"Enter the reason" in missing_reason.data
    assert "REFR-FIN" not in codes(permit.id)

    added = staff_client.post(
        f"/staff/permits/{permit.id}/required-inspections",
        data={
            "add-inspection_type": str(refrigeration.id),
            "add-reason": "Walk-in cooler",
            **csrf(staff_client, "add"),
        },
    )
    assert added.status_code == 302
    assert "REFR-FIN" in codes(permit.id)

    duplicate = staff_client.post(
        f"/staff/permits/{permit.id}/required-inspections",
        data={
            "add-inspection_type": str(refrigeration.id),
            "add-reason": "Again",
            **csrf(staff_client, "add"),
        },
    )
    assert b"already requires" in duplicate.data

    plumbing = required_by_code(permit, "PLB-UG")
    removed = staff_client.post(
        f"/staff/permits/{permit.id}/required-inspections/{plumbing.id}/remove",
        data={
            f"remove-{plumbing.id}-reason": "No underground work",
            **csrf(staff_client, f"remove-{plumbing.id}"),
        },
    )
    assert removed.status_code == 302
    assert "PLB-UG" not in codes(permit.id)

    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"required_inspection.added", "required_inspection.removed"} <= actions
    texts = [e.text for e in db.session.scalars(select(TimelineEntry))]
    assert any("Walk-in cooler" in text for text in texts)
    assert any("No underground work" in text for text in texts)


def test_removing_an_inspection_with_an_open_request_is_refused(staff_client, permit, contractor):
    inspection_request = make_request(permit, contractor)
    required = inspection_request.required_inspection
    response = staff_client.post(
        f"/staff/permits/{permit.id}/required-inspections/{required.id}/remove",
        data={
            f"remove-{required.id}-reason": "Not needed",
            **csrf(staff_client, f"remove-{required.id}"),
        },
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Cancel the request before removing it" in response.data
    assert "ELEC-RGH" in codes(permit.id)


def test_applicants_cannot_change_required_inspections(owner_client, permit):
    assert owner_client.get(f"/staff/permits/{permit.id}/required-inspections").status_code == 404


def test_admin_edits_a_type_and_staff_cannot(app, staff_client, seeded):
    from portal.auth.models import Role
    from tests.factories import make_user, sign_in_as

    electrical = type_by_code("ELEC-FIN")
    assert staff_client.get(f"/staff/inspection-types/{electrical.id}").status_code == 404
    admin_client = app.test_client()
    sign_in_as(admin_client, make_user(role=Role.ADMIN))
    listing = admin_client.get("/staff/inspection-types")
    check_page(listing.data)
    assert b"Final electrical" in listing.data
    bad = admin_client.post(
        f"/staff/inspection-types/{electrical.id}",
        data={
            "name": "Final electrical",
            "bureau": "Electrical",
            "fee_cents": "-5",
            "blds_type_mapped": "Electrical Final",
            "active": "y",
        },
    )
    check_page(bad.data)
    assert b"Enter a fee from 0" in bad.data
    not_blds = admin_client.post(
        f"/staff/inspection-types/{electrical.id}",
        data={
            "name": "Final electrical",
            "bureau": "Electrical Inspections",
            "fee_cents": "7500",
            "blds_type_mapped": "Electrical Final",
            "agency_id": str(electrical.agency_id),
            "repeatable": "y",
        },
    )
    # BLDS Appendix A has no "Electrical Final": the value is refused and kept on the page.
    check_page(not_blds.data)
    assert b"Enter one of the BLDS inspection types (Appendix A)" in not_blds.data
    assert b'value="Electrical Final"' in not_blds.data
    saved = admin_client.post(
        f"/staff/inspection-types/{electrical.id}",
        data={
            "name": "Final electrical",
            "bureau": "Electrical Inspections",
            "fee_cents": "7500",
            "blds_type_mapped": "Final",
            "agency_id": str(electrical.agency_id),
            "repeatable": "y",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    electrical = type_by_code("ELEC-FIN")
    assert (electrical.bureau, electrical.fee_cents, electrical.active, electrical.repeatable) == (
        "Electrical Inspections",
        7500,
        False,
        True,
    )
