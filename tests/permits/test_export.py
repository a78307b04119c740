"""The permits' BLDS export: the file the staff's export job writes, its filters and the CLI."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.applications.models import ApplicationStatus
from portal.auth.models import Role
from portal.certificates.models import VersionStatus
from portal.csv_export import BATCH
from portal.extensions import db
from portal.permits import export
from portal.permits.models import DataExport, Permit, PermitStatus
from tests.factories import make_application, make_permit, make_user, sign_in_as
from tests.factories.certificates import issued_certificate
from tests.support.exports import ask_for_export, exported, rows_of
from tests.support.pages import check_page
from tests.support.queries import counted_queries

ISSUED_ON = date(2026, 3, 2)


@pytest.fixture
def staff():
    return make_user(role=Role.STAFF)


@pytest.fixture
def staff_client(client, staff):
    sign_in_as(client, staff)
    return client


def certify(permit, staff, granted: date, sequence: int):
    """Give the permit a certificate whose current version was granted on ``granted``."""
    owner = make_user()
    application = make_application(permit, owner, status=ApplicationStatus.COFO_ISSUED)
    certificate = issued_certificate(application, staff, sequence)
    certificate.versions[0].granted_date = granted
    db.session.commit()
    return certificate


def test_every_status_maps_to_blds_with_the_certificate_date(staff_client, staff):
    permits = {
        status: make_permit(
            permit_num=f"BP-{status.name}",
            status_current=status,
            applied_date=date(2026, 1, 5),
            issued_date=ISSUED_ON,
            est_project_cost_cents=123_456_789,
        )
        for status in PermitStatus
    }
    occupied = make_permit(
        permit_num="BP-OCCUPIED", status_current=PermitStatus.FINALED, issued_date=ISSUED_ON
    )
    certify(occupied, staff, date(2026, 9, 15), 1)

    response = exported(staff_client)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=permits-")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    header = response.get_data(as_text=True).split("\r\n", 1)[0]
    assert header.split(",") == list(export.COLUMNS)
    rows = {row["PermitNum"]: row for row in rows_of(response)}
    assert {num: row["StatusCurrentMapped"] for num, row in rows.items()} == {
        "BP-ISSUED": "Permit Issued",
        "BP-INSPECTION_PHASE": "Inspection Phase",
        "BP-FINALED": "Permit Finaled",
        "BP-EXPIRED": "Permit Cancelled",
        "BP-REVOKED": "Permit Cancelled",
        "BP-OCCUPIED": "Occupancy",
    }
    phase = rows["BP-INSPECTION_PHASE"]
    assert phase["StatusCurrent"] == "Inspection Phase"
    assert phase["AppliedDate"] == "2026-01-05"
    assert phase["IssuedDate"] == "2026-03-02"
    assert phase["EstProjectCost"] == "1234567.89"
    assert phase["COIssuedDate"] == phase["CompletedDate"] == ""
    assert phase["WorkClassMapped"] == "New"
    assert phase["OriginalAddress1"] == permits[PermitStatus.INSPECTION_PHASE].original_address1
    assert rows["BP-OCCUPIED"]["COIssuedDate"] == "2026-09-15"
    assert rows["BP-OCCUPIED"]["CompletedDate"] == "2026-09-15"
    assert rows["BP-OCCUPIED"]["StatusCurrent"] == "Finaled"


def test_a_corrected_certificate_gives_the_current_version_and_a_revoked_one_none(
    staff_client, staff
):
    corrected = make_permit(permit_num="BP-CORRECTED", status_current=PermitStatus.FINALED)
    certificate = certify(corrected, staff, date(2026, 9, 1), 1)
    first = certificate.versions[0]
    first.status = VersionStatus.SUPERSEDED
    second = copy_of(first, version_number=2, granted_date=date(2026, 9, 20))
    certificate.versions.append(second)
    revoked = make_permit(permit_num="BP-REVOKED-CO", status_current=PermitStatus.FINALED)
    gone = certify(revoked, staff, date(2026, 9, 2), 2)
    gone.revoked_at = gone.created_at
    gone.versions[0].status = VersionStatus.REVOKED
    db.session.commit()

    rows = {row["PermitNum"]: row for row in rows_of(exported(staff_client))}

    assert rows["BP-CORRECTED"]["COIssuedDate"] == "2026-09-20"
    assert rows["BP-REVOKED-CO"]["COIssuedDate"] == ""
    assert rows["BP-REVOKED-CO"]["StatusCurrentMapped"] == "Permit Finaled"


def copy_of(version, **changes):
    fields = {
        column.key: getattr(version, column.key)
        for column in version.__table__.columns
        if column.key not in ("id", "created_at", "updated_at", "ended_at")
    }
    fields.update(status=VersionStatus.CURRENT, **changes)
    return type(version)(**fields)


def test_text_that_looks_like_a_formula_is_quoted(staff_client):
    make_permit(
        description='=HYPERLINK("http://evil.example")',
        contractor_company_name="+1 Builders",
        original_address2="@Suite",
        proposed_use="-Office",
    )

    (row,) = rows_of(exported(staff_client))

    assert row["Description"] == '\'=HYPERLINK("http://evil.example")'
    assert row["ContractorCompanyName"] == "'+1 Builders"
    assert row["OriginalAddress2"] == "'@Suite"
    assert row["ProposedUse"] == "'-Office"


def test_filters_by_issued_date_and_status(staff_client):
    make_permit(permit_num="BP-JAN", issued_date=date(2026, 1, 10))
    make_permit(
        permit_num="BP-FEB", issued_date=date(2026, 2, 10), status_current=PermitStatus.EXPIRED
    )
    make_permit(permit_num="BP-MAR", issued_date=date(2026, 3, 10))
    make_permit(permit_num="BP-NONE", issued_date=None)

    def nums(**filters) -> list[str]:
        response = exported(staff_client, **filters)
        assert response.mimetype == "text/csv", response.data
        return [row["PermitNum"] for row in rows_of(response)]

    assert nums() == ["BP-JAN", "BP-FEB", "BP-MAR", "BP-NONE"]
    assert nums(issued_from="2026-02-10") == ["BP-FEB", "BP-MAR"]
    assert nums(issued_to="2026-02-10") == ["BP-JAN", "BP-FEB"]
    assert nums(issued_from="2026-01-11", issued_to="2026-03-09") == ["BP-FEB"]
    assert nums(status="Issued") == ["BP-JAN", "BP-MAR", "BP-NONE"]
    assert nums(issued_from="2026-01-01", status="Expired") == ["BP-FEB"]


def test_an_empty_range_says_so_instead_of_downloading(staff_client):
    make_permit(issued_date=date(2026, 1, 10))

    response = ask_for_export(staff_client, issued_from="2025-06-01", issued_to="2025-06-30")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    check_page(response.data)
    assert "No permits were issued between 1 June 2025 and 30 June 2025." in response.get_data(
        as_text=True
    )
    # Typed values are kept on the form.
    assert 'value="2025-06-01"' in response.text
    assert db.session.scalars(select(DataExport)).all() == []
    nothing_expired = ask_for_export(staff_client, status="Expired")
    check_page(nothing_expired.data)
    assert "There are no permits to export." in nothing_expired.get_data(as_text=True)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"issued_from": "2026-02-30"}, "Enter a real date"),
        ({"issued_to": "yesterday"}, "Enter a real date"),
        ({"issued_from": "99999-01-01"}, "Enter a real date"),
        ({"issued_from": "2026-03-01", "issued_to": "2026-02-01"}, "must be on or after"),
        ({"status": "Demolished"}, "Not a valid choice"),
    ],
)
def test_bad_filters_are_explained_on_the_page(staff_client, filters, message):
    make_permit(issued_date=date(2026, 1, 10))

    response = ask_for_export(staff_client, **filters)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    check_page(response.data)
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert message in html
    assert db.session.scalars(select(DataExport)).all() == []


def test_the_exports_page_has_both_exports(staff_client):
    response = staff_client.get("/staff/exports")

    check_page(response.data)
    html = response.get_data(as_text=True)
    assert 'action="/staff/exports/permits"' in html
    assert 'action="/staff/exports/inspections"' in html
    assert "There is a problem" not in html
    assert "You have not exported anything yet." in html


def test_the_old_download_links_lead_to_the_form_with_their_filters(staff_client):
    make_permit(issued_date=date(2026, 1, 10))

    old = staff_client.get("/staff/permits/export.csv?issued_from=2026-01-01&status=Issued")
    assert old.status_code == 302
    page = staff_client.get(old.headers["Location"])
    check_page(page.data)
    assert 'value="2026-01-01"' in page.text
    assert '<option selected value="Issued">' in page.text
    # Only the filters go on: url_for's own arguments would be a 500.
    odd = staff_client.get("/staff/permits/export.csv?_scheme=ftp&_external=0&status=Issued")
    assert odd.headers["Location"] == "/staff/exports?status=Issued"
    old_inspections = staff_client.get("/staff/inspections/export.csv")
    assert old_inspections.headers["Location"] == "/staff/exports#inspections"
    # A GET makes nothing.
    assert db.session.scalars(select(DataExport)).all() == []


def test_applicants_cannot_export(client):
    make_permit()
    sign_in_as(client, make_user())

    assert client.get("/staff/permits/export.csv").status_code == 404
    assert client.get("/staff/exports").status_code == 404
    assert ask_for_export(client).status_code == 404


def test_asking_writes_no_file_and_the_job_reads_in_batches(app, staff_client):
    make_permit()
    with counted_queries() as few:
        small = exported(staff_client)
    assert len(rows_of(small)) == 1
    more = 2 * BATCH + 5  # more than two of the export's batches
    bulk_permits(more)
    with counted_queries() as many:
        large = exported(staff_client)
    assert len(rows_of(large)) == more + 1
    # The rows are fetched in batches on one cursor: a query per batch at most.
    assert len(many) <= len(few) + 2


def bulk_permits(n: int) -> None:
    """Many permits at once: the factory commits each one, far too slow for thousands."""
    db.session.add_all(
        Permit(
            permit_num=f"BP-BULK-{i:06d}",
            original_address1=f"{i} W Lake St",
            original_city="Chicago",
            original_state="IL",
            original_zip="60601",
            access_code=f"BULK{i:06d}",
        )
        for i in range(n)
    )
    db.session.commit()


def test_the_cli_writes_the_same_file(app, tmp_path):
    make_permit(permit_num="BP-CLI-JAN", issued_date=date(2026, 1, 10))
    make_permit(permit_num="BP-CLI-MAR", issued_date=date(2026, 3, 10))
    out = tmp_path / "permits.csv"
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=["permits", "export", "--out", str(out), "--issued-from", "2026-02-01"]
    )

    assert result.exit_code == 0, result.output
    assert "Exported 1 permit(s)." in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["PermitNum"] for row in rows] == ["BP-CLI-MAR"]
    assert list(rows[0]) == list(export.COLUMNS)

    backwards = runner.invoke(
        args=["permits", "export", "--issued-from", "2026-02-01", "--issued-to", "2026-01-01"]
    )
    assert backwards.exit_code != 0
    assert "--issued-to" in backwards.output
    garbage = runner.invoke(args=["permits", "export", "--issued-from", "soon"])
    assert garbage.exit_code != 0


def test_the_file_for_excel_starts_with_a_byte_order_mark_and_the_default_has_none(
    staff_client,
):
    make_permit(permit_num="BP-UTF8", contractor_company_name="Ñandú Straße GmbH")

    plain = exported(staff_client)
    plain_bytes = plain.get_data()
    excel = exported(staff_client, excel=True)
    excel_bytes = excel.get_data()
    inspections = exported(staff_client, "inspections", excel=True).get_data()

    assert plain_bytes.startswith(b"PermitNum,")
    assert "Ñandú Straße GmbH".encode() in plain_bytes
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert excel_bytes.startswith(b"\xef\xbb\xbfPermitNum,")
    assert excel_bytes[3:] == plain_bytes
    assert excel.headers["Content-Disposition"].endswith("-excel.csv")
    # What Excel reads: with the mark, the text decodes as UTF-8 and the header is intact.
    assert excel_bytes.decode("utf-8-sig").startswith("PermitNum,")
    assert inspections.startswith(b"\xef\xbb\xbfPermitNum,InspType,")
    page = staff_client.get("/staff/exports")
    check_page(page.data)
    assert 'name="excel"' in page.text
    assert 'name="inspections_excel"' in page.text
