"""The queue (filter, pages, fixed queries), the day list and the BLDS export."""

import csv
import io

from portal.inspections import export
from portal.inspections.models import InspectionResult
from tests.factories import add_party, make_permit
from tests.factories.inspections import (
    THURSDAY,
    derive,
    make_request,
    on_day,
    reload,
    schedule,
)
from tests.support.exports import ask_for_export, exported
from tests.support.pages import check_page
from tests.support.queues import count_queries, get_page, page_link


def many_requests(contractor, n):
    from portal.permits.models import PartyRole

    made = []
    for _ in range(n):
        permit = make_permit(scope=["electrical", "plumbing"])
        add_party(permit, contractor, PartyRole.CONTRACTOR)
        derive(permit)
        made.append(make_request(permit, contractor, "ELEC-RGH"))
        made.append(make_request(permit, contractor, "PLB-RGH"))
    return made


def test_the_queue_filters_by_bureau_and_pages(app, staff_client, seeded, contractor):
    made = many_requests(contractor, 2)
    electrical = get_page(staff_client, "/staff/inspections?bureau=Electrical")
    assert electrical.count(">Rough electrical</a></td>") == 2
    assert "Rough plumbing" not in electrical
    app.config["PAGE_SIZE"] = 3
    try:
        first = get_page(staff_client, "/staff/inspections")
        second = get_page(staff_client, page_link(first, "next"))
    finally:
        app.config["PAGE_SIZE"] = 25
    assert page_link(second, "next") is None
    assert made[-1].permit.permit_num in second
    unknown = get_page(staff_client, "/staff/inspections?bureau=Nope&status=weird")
    assert "Not a valid choice." in unknown


def test_the_queue_s_query_count_does_not_grow(staff_client, seeded, contractor):
    many_requests(contractor, 1)
    few = count_queries(staff_client, "/staff/inspections")
    many_requests(contractor, 6)
    assert count_queries(staff_client, "/staff/inspections") == few


def test_the_day_list_shows_what_the_inspector_needs(staff_client, permit, contractor, inspector):
    visit = schedule(make_request(permit, contractor), inspector)
    response = staff_client.get(f"/staff/inspections/day?inspector={inspector.id}&date={THURSDAY}")
    check_page(response.data)
    html = response.data.decode()
    assert permit.original_address1 in html
    assert "Carla Site" in html
    assert "312-555-0199" in html
    assert "Gate code 4412" in html
    assert str(reload(visit).scheduled_window.label) in html
    empty = staff_client.get(f"/staff/inspections/day?inspector={inspector.id}&date=2026-05-22")
    check_page(empty.data)
    assert b"No inspections are booked" in empty.data
    nobody = staff_client.get("/staff/inspections/day?date=bad")
    check_page(nobody.data)


def test_the_blds_export(staff_client, permit, contractor, inspector, owner_client):
    from portal.inspections import results

    visit = schedule(make_request(permit, contractor), inspector)
    with on_day(visit.visit_date):
        results.record_result(
            reload(visit),
            inspector,
            result=InspectionResult.FAILED,
            remarks="=HYPERLINK(1)",
            orders="",
            deficiencies=[],
            photos=[],
            version=reload(visit).version,
        )
    make_request(permit, contractor, "PLB-RGH")
    response = exported(staff_client, "inspections")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == list(export.COLUMNS)
    # The open request has no result yet, so it is not in the file (ResultMapped is required).
    [failed] = rows
    assert failed["PermitNum"] == permit.permit_num
    assert failed["InspTypeMapped"] == "Rough In"
    assert failed["Result"] == "Failed (correction required)"
    assert failed["ResultMapped"] == "Rejected"
    assert failed["ScheduledDate"] == "2026-05-21"
    assert failed["DesiredDate"] == "2026-05-20"
    assert failed["Inspector"] == inspector.name
    assert failed["ReInspection"] == "Yes"
    assert failed["Final"] == "No"
    assert failed["InspectionNotes"] == "'=HYPERLINK(1)"
    assert ask_for_export(owner_client, "inspections").status_code == 404


def test_the_day_list_page_asks_for_an_inspector_and_a_date(staff_client, inspector):
    response = staff_client.get("/staff/inspections/day")
    check_page(response.data)
    assert f'<option value="{inspector.id}">{inspector.name}</option>' in response.text
    assert "Show the day list" in response.text
    queue = staff_client.get("/staff/inspections")
    assert 'href="/staff/inspections/day"' in queue.text
