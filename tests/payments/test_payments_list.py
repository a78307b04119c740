"""The staff payments list: keyset pages, sorts, search, bad input, and totals that hold."""

import re
from datetime import timedelta

import pytest

from portal.calendar import local_today
from portal.extensions import db
from portal.models import utcnow
from portal.payments import services
from portal.payments.models import FeeKind, PaymentMethod, PaymentStatus
from tests.factories import make_permit, make_user
from tests.support.queues import count_queries, get_page, link_args, page_link, walk, walk_back

URL = "/staff/payments"


def shown(body: str) -> list[int]:
    """The payment ids listed, in page order."""
    return [int(i) for i in re.findall(r'<a href="/staff/payments/(\d+)">', body)]


def counter_payment(staff, amount, days_ago=0, reference="cash", **permit_fields):
    permit = make_permit(**permit_fields)
    fee = services.assess_fee(permit, FeeKind.INSPECTION, reason="x", amount_cents=amount)
    db.session.commit()
    payment = services.record_counter_payment(
        permit, staff, [fee.id], PaymentMethod.CASH, reference
    )
    when = utcnow() - timedelta(days=days_ago)
    payment.created_at = payment.succeeded_at = when
    db.session.commit()
    return payment


@pytest.fixture
def payments(seeded, inspector):
    """Five payments, one a day, oldest first; amounts out of date order."""
    amounts = [3000, 9000, 1000, 7000, 5000]
    return [counter_payment(inspector, amount, days_ago=10 - i) for i, amount in enumerate(amounts)]


def ids(payments) -> list[int]:
    return [p.id for p in payments]


def test_the_sorts(staff_client, payments):
    assert shown(get_page(staff_client, URL)) == ids(payments[::-1])
    assert shown(get_page(staff_client, f"{URL}?sort=oldest")) == ids(payments)
    by_amount = sorted(payments, key=lambda p: -p.amount_cents)
    assert shown(get_page(staff_client, f"{URL}?sort=amount")) == ids(by_amount)


def test_pages_walk_both_ways_keeping_filters_and_totals(staff_client, payments, small_pages):
    since = (utcnow() - timedelta(days=30)).date().isoformat()
    url = f"{URL}?sort=amount&date_from={since}"
    by_amount = sorted(payments, key=lambda p: -p.amount_cents)
    pages, urls = walk(staff_client, url, shown)
    assert pages == [ids(by_amount[0:2]), ids(by_amount[2:4]), ids(by_amount[4:5])]
    for later in urls[1:]:
        assert link_args(later)["sort"] == "amount"
        assert link_args(later)["date_from"] == since
        # Every page totals the whole period, not the page.
        assert "$250.00 (5 payments)" in get_page(staff_client, later)
    back = walk_back(staff_client, page_link(get_page(staff_client, urls[-1]), "previous"), shown)
    assert back == [ids(by_amount[2:4]), ids(by_amount[0:2])]


def test_search_by_permit_payer_and_reference(staff_client, payments, inspector):
    payer = make_user(name="Paula Payer", email="paula@example.com")
    online = payments[1]
    online.created_by_id = payer.id
    online.checkout_session_id = "cs_test_a1B2c3"
    online.customer_email = "paula@example.com"
    db.session.commit()
    counter = counter_payment(inspector, 4200, reference="R-778899", original_address1="5 E Pine")
    assert shown(get_page(staff_client, f"{URL}?q={payments[3].permit.permit_num}")) == [
        payments[3].id
    ]
    assert shown(get_page(staff_client, f"{URL}?q=5+e+pine")) == [counter.id]
    assert shown(get_page(staff_client, f"{URL}?q=paula")) == [online.id]
    assert shown(get_page(staff_client, f"{URL}?q=Paula%40Example")) == [online.id]
    assert shown(get_page(staff_client, f"{URL}?q=cs_test_a1")) == [online.id]
    assert shown(get_page(staff_client, f"{URL}?q=R-7788")) == [counter.id]
    assert shown(get_page(staff_client, f"{URL}?q={counter.receipt_number.lower()}")) == [
        counter.id
    ]
    body = get_page(staff_client, f"{URL}?q=R-7788")
    # The totals follow the search.
    assert "$42.00 (1 payment)" in body


def test_totals_count_refunds_by_when_they_happened(staff_client, payments):
    refunded = payments[0]
    refunded.status = PaymentStatus.REFUNDED
    refunded.refunded_at = utcnow()
    db.session.commit()
    today = local_today().isoformat()
    body = get_page(staff_client, f"{URL}?date_from={today}&date_to={today}")
    assert "$30.00 (1 payment)" in body
    assert shown(body) == []
    body = get_page(staff_client, f"{URL}?status=refunded")
    assert shown(body) == [refunded.id]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "date_from=yesterday",
            "Enter a real date in the format YYYY-MM-DD, for example 2026-09-15",
        ),
        ("date_from=2026-03-05&date_to=2026-03-01", "The end date must be the same as or after"),
        ("status=lost", "Not a valid choice."),
        ("sort=sideways", "Not a valid choice."),
        ("date_to=9999-12-31", None),
        ("after=bogus&before=%25%25", None),
    ],
)
def test_nonsense_is_refused_never_a_500(staff_client, payments, query, message):
    body = get_page(staff_client, f"{URL}?{query}")
    if message:
        assert message in body
        assert "There is a problem" in body
    else:
        assert shown(body) == ids(payments[::-1])


def test_the_query_count_does_not_grow(staff_client, payments, inspector, small_pages):
    few = count_queries(staff_client, URL)
    for _ in range(4):
        counter_payment(inspector, 100)
    assert count_queries(staff_client, URL) == few
    later = page_link(get_page(staff_client, URL), "next")
    assert count_queries(staff_client, later) == few
    assert count_queries(staff_client, f"{URL}?q=BP&sort=amount&status=succeeded") == few
