"""The permits' BLDS file read back and checked, column by column and value by value, against
the specification's own lists (tests/support/blds.py, with its sources); and the permit
types' mapping, which admins keep on the settings page."""

import csv
import io
import re
from datetime import date

import pytest

from portal.auth.models import Role
from portal.extensions import db
from portal.permits import export
from portal.permits.models import PermitStatus
from portal.settings import permit_types
from tests.factories import make_permit, make_user, sign_in_as
from tests.factories.applications import make_application
from tests.factories.certificates import issued_certificate
from tests.support import blds
from tests.support.exports import exported
from tests.support.pages import check_page


@pytest.fixture
def staff_client(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    return client


def _rows(client) -> tuple[list[str], list[dict]]:
    text = exported(client).get_data(as_text=True)
    return next(csv.reader(io.StringIO(text))), list(csv.DictReader(io.StringIO(text)))


def _every_kind_of_permit(staff):
    permit_types.seed_defaults()
    db.session.commit()
    for status in PermitStatus:
        make_permit(
            permit_num=f"BP-{status.name}", status_current=status, issued_date=date(2026, 3, 2)
        )
    make_permit(
        permit_num="BP-RENOVATION", permit_type="Renovation/Alteration", proposed_use="Office"
    )
    make_permit(permit_num="BP-SPACED", permit_type="  new construction ", proposed_use="Warehouse")
    make_permit(permit_num="BP-BLANK", permit_type="", proposed_use="", work_class="")
    make_permit(
        permit_num="BP-CONTRACTOR",
        contractor_company_name="Lakeshore Builders LLC",
        contractor_lic_num="GC-104522",
        contractor_state_lic="IL-104-0099",
        contractor_trade="General Contractor",
    )
    occupied = make_permit(permit_num="BP-OCCUPIED", status_current=PermitStatus.FINALED)
    application = make_application(occupied, make_user())
    certificate = issued_certificate(application, staff, 1)
    certificate.versions[0].granted_date = date(2026, 9, 15)
    db.session.commit()


def test_every_column_and_value_is_one_the_specification_lists(app, staff_client):
    _every_kind_of_permit(make_user(role=Role.STAFF))
    header, rows = _rows(staff_client)

    assert set(header) <= blds.known_fields(blds.PERMIT_FIELDS), "a column BLDS does not name"
    assert set(blds.PERMIT_FIELDS["required"]) <= set(header)
    for wanted in (
        "Jurisdiction",
        "Link",
        "StatusDate",
        "PermitClass",
        "PermitClassMapped",
        "PermitTypeDesc",
        "ContractorStateLic",
        "ContractorTrade",
    ):
        assert wanted in header
    assert len(rows) == len(PermitStatus) + 5
    for row in rows:
        assert row["StatusCurrentMapped"] in blds.PERMIT_VALUES["StatusCurrentMapped"], row
        for column in ("PermitTypeMapped", "WorkClassMapped", "PermitClassMapped"):
            assert row[column] in (*blds.PERMIT_VALUES[column], ""), (column, row[column])
        for column in blds.PERMIT_DATES:
            assert row[column] == "" or re.match(blds.DATE, row[column]), (column, row[column])
        assert row["StatusDate"]
        assert row["Jurisdiction"] == app.config["PORTAL_CITY"]
        assert row["Link"] == f"{app.config['PORTAL_BASE_URL']}/status/{row['PermitNum']}"

    by_num = {row["PermitNum"]: row for row in rows}
    assert by_num["BP-EXPIRED"]["StatusCurrentMapped"] == "Permit Cancelled"
    assert by_num["BP-EXPIRED"]["StatusCurrent"] == "Expired"
    assert by_num["BP-OCCUPIED"]["StatusCurrentMapped"] == "Occupancy"
    assert by_num["BP-OCCUPIED"]["COIssuedDate"] == "2026-09-15"
    # The demo's building permit types export as BLDS's Building, however they are spaced.
    for num in ("BP-ISSUED", "BP-RENOVATION", "BP-SPACED"):
        assert by_num[num]["PermitTypeMapped"] == "Building"
    assert by_num["BP-RENOVATION"]["PermitTypeDesc"] == (
        "Building permit for work on an existing building"
    )
    assert by_num["BP-ISSUED"]["PermitClass"] == "Residential"
    assert by_num["BP-ISSUED"]["PermitClassMapped"] == "Residential"
    assert by_num["BP-RENOVATION"]["PermitClassMapped"] == "Non-Residential"
    assert by_num["BP-SPACED"]["PermitClassMapped"] == "Non-Residential"  # not a house
    assert by_num["BP-BLANK"]["PermitTypeMapped"] == by_num["BP-BLANK"]["PermitClassMapped"] == ""
    contractor = by_num["BP-CONTRACTOR"]
    assert (contractor["ContractorStateLic"], contractor["ContractorTrade"]) == (
        "IL-104-0099",
        "General Contractor",
    )


def test_every_status_the_portal_has_maps_onto_the_list():
    assert set(export.STATUS_MAPPED) == set(PermitStatus)
    mapped = {*export.STATUS_MAPPED.values(), *export.CERTIFICATE_STATUS_MAPPED.values()}
    assert mapped <= set(blds.PERMIT_VALUES["StatusCurrentMapped"])
    assert {value for _, value, _ in permit_types.DEFAULTS} <= set(
        blds.PERMIT_VALUES["PermitTypeMapped"]
    )


def test_an_admin_maps_a_new_permit_type_and_the_export_follows(app, client):
    make_permit(permit_num="BP-WRECK", permit_type="Wrecking")
    admin = make_user(role=Role.ADMIN)
    sign_in_as(client, admin)
    page = client.get("/staff/settings/permit-types")
    check_page(page.data)
    assert "Wrecking (1 permit)" in page.text

    refused = client.post(
        "/staff/settings/permit-types",
        data={"permit_type": "Wrecking", "blds_type": "Wrecking", "description": "Wrecking permit"},
    )
    check_page(refused.data)
    assert "There is a problem" in refused.text
    assert 'value="Wrecking permit"' in refused.text

    saved = client.post(
        "/staff/settings/permit-types",
        data={
            "permit_type": "Wrecking",
            "blds_type": "Demolition",
            "description": "Wrecking permit",
        },
    )
    assert saved.status_code == 302
    after = client.get("/staff/settings/permit-types")
    check_page(after.data)
    assert "Permits of type Wrecking now export as Demolition." in after.text
    assert "have no BLDS type yet" not in after.text
    [row] = _rows(client)[1]
    assert (row["PermitTypeMapped"], row["PermitTypeDesc"]) == ("Demolition", "Wrecking permit")

    again = client.post(
        "/staff/settings/permit-types",
        data={"permit_type": "WRECKING", "blds_type": "Building", "description": ""},
    )
    assert again.status_code == 302
    [row] = _rows(client)[1]
    assert row["PermitTypeMapped"] == "Building"
    assert len(permit_types.mappings()) == 1


def test_staff_who_are_not_admins_cannot_change_the_mapping(staff_client):
    assert staff_client.get("/staff/settings/permit-types").status_code in (403, 404)
