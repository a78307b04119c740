"""The BLDS import: every row validated, errors by row and column, all or nothing."""

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.permits import importer, services
from portal.permits.models import PartyRole, Permit, PermitStatus
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user
from tests.support.permit_csv import HEADER, csv_bytes, csv_file, permit_row

SAMPLE = Path(__file__).parent / "data" / "permits.csv"


def permits() -> dict[str, Permit]:
    return {p.permit_num: p for p in db.session.scalars(select(Permit))}


def errors_of(report) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in report.errors}


def test_sample_file_imports_every_field():
    with SAMPLE.open("rb") as source:
        report = services.import_permits(source, filename="permits.csv")

    assert report.ok
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    found = permits()
    first = found["BP-2026-100001"]
    assert first.description == "New 6-unit residential building"
    assert first.applied_date == date(2026, 1, 5)
    assert first.issued_date == date(2026, 2, 10)
    assert first.status_current == PermitStatus.ISSUED
    assert first.address == "1200 N Milwaukee Ave, Chicago, IL 60622"
    assert (first.permit_type, first.work_class, first.proposed_use) == (
        "New Construction",
        "New",
        "Residential",
    )
    assert (first.total_sq_ft, first.housing_units) == (7200, 6)
    assert first.est_project_cost_cents == 125_000_000
    assert (first.contractor_company_name, first.contractor_lic_num) == (
        "Lakeside Builders LLC",
        "GC-10442",
    )
    assert first.scope == ["new_construction", "electrical", "plumbing", "ventilation"]
    assert first.access_code == "K7PM4R2X"

    second = found["BP-2026-100002"]
    # MM/DD/YYYY dates, a lower-case state, a ZIP+4 and spelled-out trades are all accepted.
    assert second.applied_date == date(2026, 1, 20)
    assert second.status_current == PermitStatus.INSPECTION_PHASE
    assert second.original_state == "IL"
    assert second.original_zip == "60610-1234"
    assert second.original_address2 == "Unit 1"
    assert second.housing_units is None
    assert second.scope == ["electrical", "plumbing", "fire_protection", "boiler"]
    # No AccessCode in the file: a new code from the unambiguous alphabet.
    assert len(second.access_code) == importer.ACCESS_CODE_LENGTH
    assert set(second.access_code) <= set(importer.ACCESS_CODE_ALPHABET)

    third = found["BP-2026-100003"]
    assert third.original_zip == "60608-1234"
    assert third.est_project_cost_cents == 9_800_050
    assert third.status_current == PermitStatus.FINALED


def test_new_permits_get_a_timeline_entry_and_the_import_is_audited():
    admin = make_user()
    services.import_permits(csv_file([permit_row(PermitNum="BP-NEW-1")]), actor=admin)

    permit = permits()["BP-NEW-1"]
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.permit_id == permit.id))
    assert entry.event == "permit.imported"
    assert entry.text == "Permit BP-NEW-1 recorded by the department"
    assert entry.actor_label == "The department"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "permits.imported"))
    assert event.actor_id == admin.id
    assert event.details["created"] == 1


def test_reimport_updates_the_permit_keeps_its_code_and_parties():
    owner = make_user()
    permit = make_permit(permit_num="BP-RE-1", access_code="KEEPCODE", description="Old")
    add_party(permit, owner)
    version = permit.version

    report = services.import_permits(
        csv_file([permit_row(PermitNum="BP-RE-1", Description="New text", StatusCurrent="Finaled")])
    )

    assert (report.created, report.updated) == (0, 1)
    db.session.expire_all()
    updated = db.session.get(Permit, permit.id)
    assert updated.description == "New text"
    assert updated.status_current == PermitStatus.FINALED
    assert updated.access_code == "KEEPCODE"
    assert updated.version == version + 1
    assert [(p.user_id, p.role) for p in updated.parties] == [(owner.id, PartyRole.OWNER)]
    # Updates do not add "recorded by the department" again.
    assert db.session.scalar(select(func.count(TimelineEntry.id))) == 0


def test_reimport_with_an_access_code_replaces_it():
    permit = make_permit(permit_num="BP-RE-2", access_code="OLDCODE1")
    services.import_permits(csv_file([permit_row(PermitNum="BP-RE-2", AccessCode="newcode22")]))
    db.session.expire_all()
    assert db.session.get(Permit, permit.id).access_code == "NEWCODE22"


def test_a_column_missing_from_the_file_leaves_that_field_alone_on_update():
    permit = make_permit(permit_num="BP-RE-3", contractor_company_name="Kept Co")
    header = [name for name in HEADER if name != "ContractorCompanyName"]
    services.import_permits(csv_file([permit_row(PermitNum="BP-RE-3")], header=header))
    db.session.expire_all()
    assert db.session.get(Permit, permit.id).contractor_company_name == "Kept Co"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("PermitNum", "", "A value is required."),
        ("OriginalCity", "", "A value is required."),
        ("AppliedDate", "2026-13-01", "is not a date"),
        ("IssuedDate", "Feb 10 2026", "is not a date"),
        ("TotalSqFt", "12.5", "is not a whole number"),
        ("HousingUnits", "-3", "is not a whole number"),
        ("EstProjectCost", "about 5k", "is not an amount in dollars"),
        ("EstProjectCost", "10.999", "is not an amount in dollars"),
        ("OriginalState", "Illinois", "is not a two-letter state code"),
        ("OriginalZip", "6060", "is not a 5- or 9-digit ZIP code"),
        ("StatusCurrent", "Pending", "is not a known status"),
        ("Scope", "electrical;masonry", "Unknown trade: masonry"),
        ("AccessCode", "ab!", "6 to 32 letters and digits"),
        ("PermitType", "x" * 101, "100 characters or fewer"),
    ],
)
def test_each_kind_of_error_is_reported_with_its_row_and_column(column, value, message):
    rows = [permit_row(), permit_row(**{column: value})]
    report = services.import_permits(csv_file(rows))

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].message
    assert permits() == {}


def test_issued_before_applied_is_an_error():
    report = importer.validate(csv_file([permit_row(AppliedDate="2026-03-01")]))
    assert errors_of(report) == {(2, "IssuedDate")}


def test_a_permit_number_twice_in_the_file_is_an_error():
    report = importer.validate(
        csv_file([permit_row(PermitNum="BP-D"), permit_row(PermitNum="BP-D")])
    )
    assert [str(e) for e in report.errors] == ["Row 3, PermitNum: BP-D already appears on row 2."]


def test_any_error_imports_nothing_and_every_error_is_reported():
    rows = [
        permit_row(PermitNum="BP-GOOD-1"),
        permit_row(OriginalZip="bad", OriginalState="X"),
        permit_row(PermitNum="BP-GOOD-2"),
        permit_row(Scope="plumbing;elevators"),
    ]
    report = services.import_permits(csv_file(rows))

    assert errors_of(report) == {(3, "OriginalZip"), (3, "OriginalState"), (5, "Scope")}
    assert report.error_count == 3
    assert (report.created, report.updated) == (0, 0)
    assert permits() == {}
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_row_numbers_count_the_header_and_blank_lines_as_in_the_file():
    bad_row = csv_bytes([permit_row(TotalSqFt="lots")]).split(b"\n", 1)[1]
    data = csv_bytes([permit_row()]) + b"\n" + bad_row
    report = importer.validate(io.BytesIO(data))
    assert errors_of(report) == {(4, "TotalSqFt")}


def test_a_row_with_too_few_values_is_reported():
    data = csv_bytes([permit_row()]) + b"BP-SHORT,Only two values\n"
    report = importer.validate(io.BytesIO(data))
    assert errors_of(report) == {(3, "")}
    assert "the header has 20 columns" in report.errors[0].message


def test_missing_required_columns_are_named():
    header = [name for name in HEADER if name not in ("OriginalZip", "Scope")]
    report = services.import_permits(csv_file([permit_row()], header=header))
    assert [str(e) for e in report.errors] == [
        "Row 1: The file is missing required columns: OriginalZip, Scope."
    ]
    assert permits() == {}


def test_column_names_match_whatever_their_case_and_other_columns_are_ignored():
    header = [name.lower() for name in HEADER] + ["Latitude"]
    row = {name.lower(): value for name, value in permit_row(PermitNum="BP-CASE").items()}
    row["Latitude"] = "41.88"
    report = services.import_permits(csv_file([row], header=header))
    assert report.ok
    assert "BP-CASE" in permits()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n\x00\x01binary", "not a CSV text file"),
        (b"PK\x03\x04\x14\x00\x06\x00workbook", "spreadsheet workbook"),
        (b"PermitNum,Description\n\xff\xfe caf\xe9\n", "not UTF-8"),
        (b"", "The file is empty."),
    ],
)
def test_binary_and_non_csv_files_are_refused(content, message):
    report = services.import_permits(io.BytesIO(content))
    assert not report.ok
    assert message in report.errors[0].message
    assert permits() == {}


def test_a_utf8_bom_from_excel_is_accepted():
    data = b"\xef\xbb\xbf" + csv_bytes([permit_row(PermitNum="BP-BOM", Description="Caf\u00e9")])
    assert services.import_permits(io.BytesIO(data)).ok
    assert permits()["BP-BOM"].description == "Caf\u00e9"


def test_a_large_file_is_written_in_batches_inside_one_import():
    rows = [permit_row() for _ in range(importer.BATCH_SIZE * 2 + 7)]
    report = services.import_permits(csv_file(rows))
    assert report.ok
    assert report.created == len(rows)
    assert db.session.scalar(select(func.count(Permit.id))) == len(rows)
    assert db.session.scalar(select(func.count(TimelineEntry.id))) == len(rows)


def test_the_web_page_can_cap_the_errors_it_lists_but_counts_them_all():
    rows = [permit_row(OriginalZip="bad") for _ in range(5)]
    report = importer.validate(csv_file(rows), max_reported_errors=2)
    assert len(report.errors) == 2
    assert report.error_count == 5
    assert report.errors_not_listed == 3
