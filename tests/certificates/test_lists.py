"""The staff certificate lists: ready to issue and issued, with search, sorts and pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.applications.models import ApplicationStatus
from portal.certificates.models import Certificate
from portal.extensions import db
from tests.factories import make_application, make_permit, make_user
from tests.support.queues import count_queries, get_page, link_args, page_link, walk, walk_back

READY = "/staff/certificates"
ISSUED = "/staff/certificates/issued"
START = datetime(2026, 3, 2, 15, tzinfo=UTC)
S = ApplicationStatus


def shown(body: str) -> list[str]:
    """The first column's link texts, in page order."""
    return re.findall(r'<th scope="row" data-label="[^"]+"><a href="[^"]+">([^<]+)</a>', body)


@pytest.fixture
def owner_user():
    return make_user(name="Nora Owner", email="nora@example.com")


def waiting(owner, days, status=S.ACCEPTED, **permit_fields):
    number = f"CO-2026-R{next_number():05d}"
    return make_application(
        make_permit(**permit_fields),
        owner,
        status,
        submitted_at=START + timedelta(days=days),
        confirmation_number=number,
    )


_numbers = iter(range(1, 10_000))


def next_number() -> int:
    return next(_numbers)


def issued(owner, staff, sequence, days, **permit_fields):
    application = make_application(make_permit(**permit_fields), owner, S.COFO_ISSUED)
    certificate = Certificate(
        number=f"CO-2026-{sequence:06d}",
        year=2026,
        sequence=sequence,
        permit_id=application.permit_id,
        application_id=application.id,
        issued_by_id=staff.id,
        created_at=START + timedelta(days=days),
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


@pytest.fixture
def ready(owner_user):
    """Five applications waiting, a day apart but two on the same day."""
    statuses = [S.ACCEPTED, S.INSPECTIONS_COMPLETE, S.ACCEPTED, S.ACCEPTED, S.ACCEPTED]
    return [waiting(owner_user, d, s) for d, s in zip([0, 1, 1, 2, 3], statuses, strict=True)]


def confirmations(applications) -> list[str]:
    return [a.confirmation_number for a in applications]


def test_ready_to_issue_lists_only_issuable_applications(staff_client, ready, owner_user):
    waiting(owner_user, 0, S.SUBMITTED)
    waiting(owner_user, 0, S.COFO_ISSUED)
    assert shown(get_page(staff_client, READY)) == confirmations(ready)
    assert shown(get_page(staff_client, f"{READY}?sort=newest")) == confirmations(ready[::-1])


def test_ready_to_issue_sorts_by_permit_and_searches(staff_client, owner_user):
    made = [
        waiting(owner_user, i, permit_num=num, original_address1=street)
        for i, (num, street) in enumerate([("BP-3", "1 A St"), ("BP-1", "2 B St"), ("BP-2", "3 C")])
    ]
    by_permit = shown(get_page(staff_client, f"{READY}?sort=permit"))
    assert by_permit == confirmations([made[1], made[2], made[0]])
    assert shown(get_page(staff_client, f"{READY}?q=bp-2")) == confirmations([made[2]])
    assert shown(get_page(staff_client, f"{READY}?q=2+b+st")) == confirmations([made[1]])
    number = made[0].confirmation_number
    assert shown(get_page(staff_client, f"{READY}?q={number.lower()}")) == [number]
    assert "No applications match these filters." in get_page(staff_client, f"{READY}?q=zz")


def test_ready_to_issue_pages_both_ways(staff_client, ready, small_pages):
    pages, urls = walk(staff_client, f"{READY}?sort=oldest&date_from=2026-03-01", shown)
    assert pages == [confirmations(ready[0:2]), confirmations(ready[2:4]), confirmations(ready[4:])]
    assert all(link_args(url)["date_from"] == "2026-03-01" for url in urls[1:])
    back = walk_back(staff_client, page_link(get_page(staff_client, urls[-1]), "previous"), shown)
    assert back == [confirmations(ready[2:4]), confirmations(ready[0:2])]


@pytest.fixture
def certificates(owner_user, staff):
    """Five certificates issued a day apart, numbered out of date order."""
    sequences = [3, 5, 1, 4, 2]
    return [issued(owner_user, staff, seq, days) for days, seq in enumerate(sequences)]


def numbers(certificates) -> list[str]:
    return [c.number for c in certificates]


def test_issued_certificates_sorts(staff_client, certificates):
    assert shown(get_page(staff_client, ISSUED)) == numbers(certificates[::-1])
    assert shown(get_page(staff_client, f"{ISSUED}?sort=oldest")) == numbers(certificates)
    by_number = sorted(numbers(certificates))
    assert shown(get_page(staff_client, f"{ISSUED}?sort=number")) == by_number
    by_permit = sorted(certificates, key=lambda c: c.permit.permit_num)
    assert shown(get_page(staff_client, f"{ISSUED}?sort=permit")) == numbers(by_permit)


def test_issued_certificates_search_and_dates(staff_client, certificates, owner_user, staff):
    elm = issued(owner_user, staff, 77, 9, original_address1="12 W Elm St")
    assert shown(get_page(staff_client, f"{ISSUED}?q=co-2026-000077")) == [elm.number]
    assert shown(get_page(staff_client, f"{ISSUED}?q=12+w+elm")) == [elm.number]
    permit_num = certificates[2].permit.permit_num
    assert shown(get_page(staff_client, f"{ISSUED}?q={permit_num}")) == [certificates[2].number]
    body = get_page(staff_client, f"{ISSUED}?date_from=2026-03-03&date_to=2026-03-04&sort=oldest")
    assert shown(body) == numbers(certificates[1:3])


def test_issued_certificates_page_both_ways(staff_client, certificates, small_pages):
    pages, urls = walk(staff_client, f"{ISSUED}?sort=number", shown)
    by_number = sorted(numbers(certificates))
    assert pages == [by_number[0:2], by_number[2:4], by_number[4:]]
    assert all(link_args(url)["sort"] == "number" for url in urls[1:])
    back = walk_back(staff_client, page_link(get_page(staff_client, urls[-1]), "previous"), shown)
    assert back == [by_number[2:4], by_number[0:2]]


@pytest.mark.parametrize("url", [READY, ISSUED])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "date_from=2026-02-31",
            "Enter a real date in the format YYYY-MM-DD, for example 2026-09-15",
        ),
        ("date_from=2026-03-05&date_to=2026-03-01", "The end date must be the same as or after"),
        ("sort=sideways", "Not a valid choice."),
        ("q=" + "y" * 500, "Enter from 2 to 100 characters to search."),
        ("after=junk&before=junk", None),
    ],
)
def test_nonsense_is_refused_never_a_500(staff_client, url, query, message):
    body = get_page(staff_client, f"{url}?{query}")
    if message:
        assert message in body
        assert "There is a problem" in body


def test_query_counts_stay_fixed(staff_client, owner_user, staff, small_pages):
    waiting(owner_user, 0)
    issued(owner_user, staff, 1, 0)
    few_ready = count_queries(staff_client, READY)
    few_issued = count_queries(staff_client, ISSUED)
    for i in range(5):
        waiting(owner_user, i)
        issued(owner_user, staff, 10 + i, i)
    assert count_queries(staff_client, READY) == few_ready
    assert count_queries(staff_client, ISSUED) == few_issued
    later = page_link(get_page(staff_client, ISSUED), "next")
    assert count_queries(staff_client, later) == few_issued
    assert count_queries(staff_client, f"{ISSUED}?q=CO&sort=permit") == few_issued


def test_applicants_cannot_see_the_lists(owner_client):
    assert owner_client.get(READY).status_code == 404
    assert owner_client.get(ISSUED).status_code == 404
