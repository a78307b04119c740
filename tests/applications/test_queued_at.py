"""The staff queue's queued_at bookkeeping: set while an application waits for staff."""

from portal.applications import review
from portal.applications.models import ApplicationStatus
from portal.applications.queue import ApplicationQueueForm, application_queue
from portal.auth.models import Role
from tests.factories import make_application, make_permit, make_user


def _applications(n: int, status=ApplicationStatus.SUBMITTED):
    owner = make_user()
    return [make_application(make_permit(), owner, status) for _ in range(n)]


def test_queue_holds_exactly_the_applications_in_queue_states(app):
    reviewer = make_user(role=Role.STAFF)
    waiting, accepted_one = _applications(2)
    # Services build emailed links, which needs a request context.
    with app.test_request_context():
        review.accept(accepted_one, reviewer, accepted_one.version)
        review.start_review(waiting, reviewer, waiting.version)
    assert accepted_one.queued_at is None
    assert waiting.queued_at == waiting.submitted_at
    with app.test_request_context("/staff/applications"):
        queue = application_queue(ApplicationQueueForm.from_request())
    assert [a.id for a in queue.items] == [waiting.id]
