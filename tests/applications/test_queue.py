"""The staff's application queue: filters, sorts, search, keyset pages, bad input, queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.applications.models import ApplicationStatus
from portal.models import utcnow
from tests.factories import make_permit, make_user
from tests.factories.applications import complete_application
from tests.support.queues import count_queries, get_page, link_args, page_link, walk, walk_back

S = ApplicationStatus
URL = "/staff/applications"


def shown(body: str) -> list[str]:
    """The confirmation numbers listed, in page order."""
    return re.findall(r'data-label="Confirmation"><a href="[^"]+">([^<]+)</a>', body)


def make(owner, status, submitted, **fields):
    permit = make_permit(**fields.pop("permit", {}))
    return complete_application(permit, owner, status=status, submitted_at=submitted, **fields)


@pytest.fixture
def queue(owner):
    """Five waiting applications a day apart (one pair sharing a time), oldest first."""
    start = datetime(2026, 3, 2, 15, tzinfo=UTC)
    times = [start, start + timedelta(days=1), start + timedelta(days=1), start + timedelta(days=2)]
    times.append(start + timedelta(days=3))
    states = [S.SUBMITTED, S.RESUBMITTED, S.UNDER_REVIEW, S.SUBMITTED, S.RESUBMITTED]
    return [make(owner, state, when) for state, when in zip(states, times, strict=True)]


def numbers(applications) -> list[str]:
    return [a.confirmation_number for a in applications]


def test_the_default_view_is_the_review_queue_oldest_first(staff_client, owner, queue):
    make(owner, S.ACCEPTED, utcnow() - timedelta(days=40))
    make(owner, S.INFORMATION_REQUESTED, utcnow() - timedelta(days=50))
    draft = complete_application(make_permit(), owner)
    body = get_page(staff_client, URL)
    assert shown(body) == numbers(queue)
    assert queue[0].permit.original_address1 in body
    assert f"/staff/applications/{queue[0].id}" in body
    assert draft.permit.permit_num not in body


def test_each_status_and_any_status(staff_client, owner, queue):
    info = make(owner, S.INFORMATION_REQUESTED, utcnow() - timedelta(days=3))
    complete = make(owner, S.INSPECTIONS_COMPLETE, utcnow() - timedelta(days=2))
    complete_application(make_permit(), owner)
    assert shown(get_page(staff_client, f"{URL}?status=resubmitted")) == numbers(
        [queue[1], queue[4]]
    )
    assert shown(get_page(staff_client, f"{URL}?status=information_requested")) == numbers([info])
    assert shown(get_page(staff_client, f"{URL}?status=inspections_complete")) == numbers(
        [complete]
    )
    every = shown(get_page(staff_client, f"{URL}?status=any"))
    assert every == numbers([*queue, info, complete])


def test_the_sorts(staff_client, owner):
    start = datetime(2026, 3, 2, 15, tzinfo=UTC)
    made = [
        make(owner, S.SUBMITTED, start + timedelta(days=i), permit={"permit_num": num})
        for i, num in enumerate(["BP-3", "BP-1", "BP-2"])
    ]
    assert shown(get_page(staff_client, f"{URL}?sort=newest")) == numbers(made[::-1])
    by_permit = shown(get_page(staff_client, f"{URL}?sort=permit"))
    assert by_permit == numbers([made[1], made[2], made[0]])


def test_submitted_dates_filter_by_the_department_s_days(staff_client, owner):
    # 11 pm in Chicago on March 3 is already March 4 in UTC.
    late = make(owner, S.SUBMITTED, datetime(2026, 3, 4, 5, tzinfo=UTC))
    early = make(owner, S.SUBMITTED, datetime(2026, 3, 4, 15, tzinfo=UTC))
    make(owner, S.SUBMITTED, datetime(2026, 3, 6, 15, tzinfo=UTC))
    body = get_page(staff_client, f"{URL}?date_from=2026-03-03&date_to=2026-03-03")
    assert shown(body) == numbers([late])
    body = get_page(staff_client, f"{URL}?date_from=2026-03-04&date_to=2026-03-05&status=any")
    assert shown(body) == numbers([early])


def test_search_by_permit_address_confirmation_and_applicant(staff_client, owner, queue):
    other = make_user(name="Zed Builder", email="zed@example.com")
    theirs = make(other, S.SUBMITTED, utcnow(), permit={"original_address1": "9 W Oak St"})
    target = queue[2]
    assert shown(get_page(staff_client, f"{URL}?q={target.permit.permit_num}")) == numbers([target])
    assert shown(get_page(staff_client, f"{URL}?q={target.confirmation_number.lower()}")) == (
        numbers([target])
    )
    assert shown(get_page(staff_client, f"{URL}?q=9+w+oak")) == numbers([theirs])
    assert shown(get_page(staff_client, f"{URL}?q=zed")) == numbers([theirs])
    assert shown(get_page(staff_client, f"{URL}?q=zed%40example")) == numbers([theirs])
    body = get_page(staff_client, f"{URL}?q=nothing-like-this")
    assert shown(body) == []
    assert "No applications match these filters." in body


def test_pages_walk_forward_and_back_keeping_the_filters(staff_client, owner, queue, small_pages):
    make(owner, S.ACCEPTED, utcnow())
    url = f"{URL}?status=&sort=oldest&date_from=2026-03-01"
    pages, urls = walk(staff_client, url, shown)
    assert pages == [numbers(queue[0:2]), numbers(queue[2:4]), numbers(queue[4:5])]
    for later in urls[1:]:
        assert link_args(later)["date_from"] == "2026-03-01"
        assert link_args(later)["sort"] == "oldest"
    last = get_page(staff_client, urls[-1])
    back = walk_back(staff_client, page_link(last, "previous"), shown)
    assert back == [numbers(queue[2:4]), numbers(queue[0:2])]
    newest, _urls = walk(staff_client, f"{URL}?sort=newest", shown)
    assert newest == [numbers(queue[::-1][0:2]), numbers(queue[::-1][2:4]), numbers(queue[0:1])]
    by_permit, _urls = walk(staff_client, f"{URL}?sort=permit", shown)
    expected = sorted(queue, key=lambda a: a.permit.permit_num)
    assert sum(by_permit, []) == numbers(expected)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "date_from=2026-02-30",
            "Enter a real date in the format YYYY-MM-DD, for example 2026-09-15",
        ),
        ("date_from=2026-03-05&date_to=2026-03-01", "The end date must be the same as or after"),
        ("status=lost", "Not a valid choice."),
        ("sort=sideways", "Not a valid choice."),
        ("q=" + "x" * 101, "Enter from 2 to 100 characters to search."),
        ("q=x", "Enter from 2 to 100 characters to search."),
        ("date_from=0001-01-01", "Enter a date between the years 2000 and 2100."),
        ("date_to=9999-12-31", "Enter a date between the years 2000 and 2100."),
    ],
)
def test_nonsense_filters_are_refused_and_the_rest_still_show(staff_client, queue, query, message):
    response = staff_client.get(f"{URL}?{query}")
    assert response.status_code == 200
    body = get_page(staff_client, f"{URL}?{query}")
    assert message in body
    assert "There is a problem" in body
    assert shown(body)


@pytest.mark.parametrize(
    "cursor", ["after=nonsense", "before=%00%ff", "after=" + "A" * 5000, "after=&before="]
)
def test_a_garbage_cursor_opens_the_first_page(staff_client, queue, small_pages, cursor):
    assert shown(get_page(staff_client, f"{URL}?{cursor}")) == numbers(queue[0:2])


def test_the_query_count_does_not_grow_with_rows_or_pages(staff_client, owner, small_pages):
    for i in range(3):
        make(owner, S.SUBMITTED, utcnow() - timedelta(days=30 - i))
    few = count_queries(staff_client, URL)
    for i in range(12):
        make(owner, S.SUBMITTED, utcnow() - timedelta(days=20 - i))
    assert count_queries(staff_client, URL) == few
    later = page_link(get_page(staff_client, URL), "next")
    assert count_queries(staff_client, later) == few
    assert count_queries(staff_client, f"{URL}?q=BP&sort=permit&status=any") == few
