"""Capped pagination and the staff queue's queued_at bookkeeping."""

from sqlalchemy import select

from portal.applications import services
from portal.applications.models import ApplicationStatus, CofOApplication
from portal.auth.models import Role
from portal.pagination import paginate_capped
from tests.factories import make_application, make_permit, make_user


def _applications(n: int, status=ApplicationStatus.SUBMITTED):
    owner = make_user()
    return [make_application(make_permit(), owner, status) for _ in range(n)]


def test_count_is_exact_below_the_cap(app):
    _applications(7)
    page = paginate_capped(select(CofOApplication).order_by(CofOApplication.id), 2, 3, cap=10)
    assert (page.total, page.total_capped, page.pages) == (7, False, 3)
    assert [a.id for a in page.items] == [4, 5, 6]
    assert page.has_prev
    assert page.has_next


def test_count_stops_at_the_cap_and_pages_still_run_on(app):
    _applications(9)
    query = select(CofOApplication).order_by(CofOApplication.id)
    first = paginate_capped(query, 1, 2, cap=4)
    assert first.total_capped
    assert first.total == 4
    third = paginate_capped(query, 3, 2, cap=4)
    assert [a.id for a in third.items] == [5, 6]
    assert third.has_next
    last = paginate_capped(query, 5, 2, cap=4)
    assert [a.id for a in last.items] == [9]
    assert not last.has_next


def test_queue_holds_exactly_the_applications_in_queue_states(app):
    reviewer = make_user(role=Role.STAFF)
    waiting, accepted_one = _applications(2)
    # Services build emailed links, which needs a request context.
    with app.test_request_context():
        services.accept(accepted_one, reviewer, accepted_one.version)
        services.start_review(waiting, reviewer, waiting.version)
    assert accepted_one.queued_at is None
    assert waiting.queued_at == waiting.submitted_at
    queue = services.review_queue(1, 25)
    assert [a.id for a in queue.items] == [waiting.id]
