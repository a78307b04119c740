"""Keyset pagination: pages in both directions, ties broken by id, forged cursors ignored."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.applications.models import ApplicationStatus, CofOApplication
from portal.extensions import db
from portal.keyset import SortOrder, decode_cursor, encode_cursor, keyset_page
from tests.factories import make_application, make_permit, make_user

BY_QUEUED = SortOrder("queued", "Oldest first", (CofOApplication.queued_at, CofOApplication.id))
NEWEST = SortOrder(
    "newest", "Newest first", (CofOApplication.queued_at, CofOApplication.id), descending=True
)


def _queue(n: int) -> list[int]:
    owner = make_user()
    start = datetime(2026, 3, 2, 15, tzinfo=UTC)
    ids = []
    for i in range(n):
        application = make_application(make_permit(), owner, ApplicationStatus.SUBMITTED)
        # Pairs share a time, so the id has to break the tie.
        application.queued_at = start + timedelta(hours=i // 2)
        ids.append(application.id)
    db.session.commit()
    return ids


def _query():
    return select(CofOApplication).where(CofOApplication.queued_at.is_not(None))


def _walk(order: SortOrder, per_page: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = keyset_page(_query(), order, after=cursor, per_page=per_page)
        pages.append([a.id for a in page.items])
        if not page.has_next:
            return pages
        cursor = page.next_cursor


def test_walking_forward_visits_every_row_once_in_order(app):
    ids = _queue(7)
    assert _walk(BY_QUEUED, 3) == [ids[0:3], ids[3:6], ids[6:7]]
    assert _walk(NEWEST, 3) == [ids[::-1][0:3], ids[::-1][3:6], ids[::-1][6:7]]


def test_previous_returns_the_page_before(app):
    ids = _queue(7)
    first = keyset_page(_query(), BY_QUEUED, per_page=3)
    assert not first.has_prev
    second = keyset_page(_query(), BY_QUEUED, after=first.next_cursor, per_page=3)
    third = keyset_page(_query(), BY_QUEUED, after=second.next_cursor, per_page=3)
    back = keyset_page(_query(), BY_QUEUED, before=third.prev_cursor, per_page=3)
    assert [a.id for a in back.items] == ids[3:6]
    assert back.has_prev
    assert back.has_next
    start = keyset_page(_query(), BY_QUEUED, before=back.prev_cursor, per_page=3)
    assert [a.id for a in start.items] == ids[0:3]
    assert not start.has_prev


def test_a_forged_or_foreign_cursor_opens_the_first_page(app):
    ids = _queue(4)
    other_order = encode_cursor(NEWEST, (datetime(2026, 3, 2, tzinfo=UTC), ids[1]))
    for cursor in ("nonsense", other_order, encode_cursor(BY_QUEUED, ("x",))):
        page = keyset_page(_query(), BY_QUEUED, after=cursor, per_page=2)
        assert [a.id for a in page.items] == ids[0:2]


def test_cursor_values_come_back_with_their_types(app):
    when = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    assert decode_cursor(BY_QUEUED, encode_cursor(BY_QUEUED, (when, 5))) == (when, 5)
