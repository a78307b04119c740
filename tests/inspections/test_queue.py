"""The staff's inspection queue: status, bureau, inspector, dates, search, sorts, pages."""

import re
from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.inspections.models import InspectionStatus
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user
from tests.factories.inspections import derive, make_request, reload, schedule
from tests.support.queues import count_queries, get_page, link_args, page_link, walk, walk_back

URL = "/staff/inspections"
MONDAY = date(2026, 6, 1)


def shown(body: str) -> list[str]:
    """The permit numbers listed, in page order."""
    return re.findall(r'<th scope="row" data-label="Permit"><a href="[^"]+">([^<]+)</a>', body)


def request_on(contractor, preferred: date, code="ELEC-RGH", **permit_fields):
    permit = make_permit(scope=["electrical", "plumbing"], **permit_fields)
    add_party(permit, contractor, PartyRole.CONTRACTOR)
    derive(permit)
    made = make_request(permit, contractor, code)
    made.preferred_date_1 = preferred
    db.session.commit()
    return made


def nums(requests) -> list[str]:
    return [r.permit.permit_num for r in requests]


@pytest.fixture
def requests(seeded, contractor):
    """Five requests a day apart, the middle two on the same day."""
    days = [0, 1, 1, 2, 3]
    return [request_on(contractor, MONDAY + timedelta(days=d)) for d in days]


def test_requests_to_schedule_by_preferred_date(staff_client, requests):
    assert shown(get_page(staff_client, URL)) == nums(requests)
    assert shown(get_page(staff_client, f"{URL}?status=requested")) == nums(requests)


def test_scheduled_visits_and_finished_ones(staff_client, requests, inspector):
    later = schedule(requests[0], inspector, day=MONDAY + timedelta(days=10))
    sooner = schedule(requests[3], inspector, day=MONDAY + timedelta(days=8))
    body = get_page(staff_client, f"{URL}?status=scheduled")
    assert shown(body) == nums([sooner, later])
    assert "Record the result" in body
    # "To record results": visits on or before a day.
    up_to = (MONDAY + timedelta(days=9)).isoformat()
    assert shown(get_page(staff_client, f"{URL}?status=scheduled&date_to={up_to}")) == nums(
        [sooner]
    )
    requests[4].status = InspectionStatus.CANCELLED
    db.session.commit()
    cancelled = get_page(staff_client, f"{URL}?status=cancelled")
    assert shown(cancelled) == nums([requests[4]])
    assert "Cancelled" in cancelled
    assert shown(get_page(staff_client, URL)) == nums([requests[1], requests[2]])


def test_bureau_inspector_and_dates(staff_client, requests, contractor, inspector):
    plumbing = request_on(contractor, MONDAY, code="PLB-RGH")
    assert shown(get_page(staff_client, f"{URL}?bureau=Plumbing")) == nums([plumbing])
    other = make_user(name="Otto Other", email="otto@example.com", role=inspector.role)
    schedule(requests[0], inspector, day=MONDAY + timedelta(days=8))
    theirs = schedule(requests[1], other, day=MONDAY + timedelta(days=9))
    body = get_page(staff_client, f"{URL}?status=scheduled&inspector=otto")
    assert shown(body) == nums([theirs])
    by_email = get_page(staff_client, f"{URL}?status=scheduled&inspector=OTTO%40EXAMPLE")
    assert shown(by_email) == nums([theirs])
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    window = f"date_from={tuesday.isoformat()}&date_to={wednesday.isoformat()}"
    assert shown(get_page(staff_client, f"{URL}?{window}")) == nums(requests[2:4])


def test_the_sorts(staff_client, seeded, contractor):
    made = [
        request_on(contractor, MONDAY + timedelta(days=i), permit_num=num)
        for i, num in enumerate(["BP-3", "BP-1", "BP-2"])
    ]
    assert shown(get_page(staff_client, f"{URL}?sort=permit")) == ["BP-1", "BP-2", "BP-3"]
    assert shown(get_page(staff_client, f"{URL}?sort=newest")) == nums(made[::-1])


def test_search_by_permit_address_and_requester(staff_client, requests, contractor):
    other = make_user(name="Rita Requester", email="rita@example.com")
    theirs = request_on(other, MONDAY, original_address1="77 W Elm St")
    target = requests[2]
    assert shown(get_page(staff_client, f"{URL}?q={target.permit.permit_num}")) == nums([target])
    assert shown(get_page(staff_client, f"{URL}?q=77+w+elm")) == nums([theirs])
    assert shown(get_page(staff_client, f"{URL}?q=rita")) == nums([theirs])
    body = get_page(staff_client, f"{URL}?q=zzz")
    assert shown(body) == []
    assert "No inspections match these filters." in body


def test_pages_walk_forward_and_back_keeping_the_filters(staff_client, requests, small_pages):
    url = f"{URL}?status=requested&bureau=Electrical&sort=date"
    pages, urls = walk(staff_client, url, shown)
    assert pages == [nums(requests[0:2]), nums(requests[2:4]), nums(requests[4:5])]
    for later in urls[1:]:
        assert link_args(later)["bureau"] == "Electrical"
        assert link_args(later)["status"] == "requested"
    last = get_page(staff_client, urls[-1])
    back = walk_back(staff_client, page_link(last, "previous"), shown)
    assert back == [nums(requests[2:4]), nums(requests[0:2])]
    newest, _urls = walk(staff_client, f"{URL}?sort=newest", shown)
    assert sum(newest, []) == nums(requests[::-1])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "date_from=2026-13-01",
            "Enter a real date in the format YYYY-MM-DD, for example 2026-09-15",
        ),
        ("date_from=2026-06-01&date_to=2026-05-20", "The end date must be the same as or after"),
        ("status=lost", "Not a valid choice."),
        ("bureau=Nope", "Not a valid choice."),
        ("inspector=o", "Enter from 2 to 100 characters to search."),
        ("sort=sideways", "Not a valid choice."),
        ("after=garbage&before=junk", None),
    ],
)
def test_nonsense_is_refused_and_the_queue_still_shows(staff_client, requests, query, message):
    body = get_page(staff_client, f"{URL}?{query}")
    if message:
        assert message in body
        assert "There is a problem" in body
    assert shown(body) == nums(requests)


def test_the_query_count_does_not_grow_with_rows_or_pages(staff_client, seeded, contractor):
    for d in range(3):
        request_on(contractor, MONDAY + timedelta(days=d))
    few = count_queries(staff_client, URL)
    for d in range(8):
        request_on(contractor, MONDAY + timedelta(days=d))
    assert count_queries(staff_client, URL) == few
    with_filters = f"{URL}?q=BP&sort=permit&bureau=Electrical"
    assert count_queries(staff_client, with_filters) == few


def test_scheduling_from_the_queue_leaves_it(staff_client, requests, inspector):
    schedule(requests[0], inspector, day=MONDAY + timedelta(days=8))
    assert reload(requests[0]).status == InspectionStatus.SCHEDULED
    assert requests[0].permit.permit_num not in shown(get_page(staff_client, URL))
