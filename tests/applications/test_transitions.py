"""The application's transition table, and the services refusing illegal moves."""

import itertools

import pytest

from portal.applications import review, services
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.errors import IllegalTransition
from tests.factories.applications import complete_application

S = ApplicationStatus
REVIEW_OUTCOMES = {S.ACCEPTED, S.INFORMATION_REQUESTED, S.REJECTED, S.NOT_APPLICABLE}
# The department's process (DESIGN.md), written out independently of the table under test.
EXPECTED = {
    (S.DRAFT, S.SUBMITTED),
    (S.DRAFT, S.WITHDRAWN),
    (S.SUBMITTED, S.UNDER_REVIEW),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.UNDER_REVIEW, S.WITHDRAWN),
    (S.INFORMATION_REQUESTED, S.RESUBMITTED),
    (S.INFORMATION_REQUESTED, S.WITHDRAWN),
    (S.RESUBMITTED, S.UNDER_REVIEW),
    (S.RESUBMITTED, S.WITHDRAWN),
    (S.ACCEPTED, S.INSPECTIONS_COMPLETE),
    (S.ACCEPTED, S.COFO_ISSUED),
    (S.ACCEPTED, S.NOT_APPLICABLE),
    (S.INSPECTIONS_COMPLETE, S.COFO_ISSUED),
    (S.INSPECTIONS_COMPLETE, S.NOT_APPLICABLE),
} | {
    (state, outcome)
    for state in (S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED)
    for outcome in REVIEW_OUTCOMES
}


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED))
def test_allowed_transition(current, target):
    assert APPLICATION_TRANSITIONS.can(current, target)
    APPLICATION_TRANSITIONS.check(current, target)


def test_no_other_transition_is_allowed():
    unexpected = [
        (current, target)
        for current, target in itertools.product(S, S)
        if APPLICATION_TRANSITIONS.can(current, target) and (current, target) not in EXPECTED
    ]
    assert unexpected == []


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.ACCEPTED),
        (S.DRAFT, S.UNDER_REVIEW),
        (S.SUBMITTED, S.SUBMITTED),
        (S.SUBMITTED, S.RESUBMITTED),
        (S.ACCEPTED, S.REJECTED),
        (S.REJECTED, S.ACCEPTED),
        (S.NOT_APPLICABLE, S.SUBMITTED),
        (S.COFO_ISSUED, S.DRAFT),
        (S.UNDER_REVIEW, S.UNDER_REVIEW),
        (S.WITHDRAWN, S.SUBMITTED),
    ],
)
def test_illegal_transition_is_refused_by_the_table(current, target):
    assert not APPLICATION_TRANSITIONS.can(current, target)
    with pytest.raises(IllegalTransition):
        APPLICATION_TRANSITIONS.check(current, target)


STAFF_SERVICES = {
    S.UNDER_REVIEW: lambda a, u, v: review.start_review(a, u, v),
    S.ACCEPTED: lambda a, u, v: review.accept(a, u, v),
    S.INFORMATION_REQUESTED: lambda a, u, v: review.request_information(a, u, v, "Plans?"),
    S.REJECTED: lambda a, u, v: review.reject(a, u, v, "Wrong permit"),
    S.NOT_APPLICABLE: lambda a, u, v: review.mark_not_applicable(a, u, v, "R-3 house"),
}


@pytest.mark.parametrize("start", [S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED])
@pytest.mark.parametrize("target", list(STAFF_SERVICES))
def test_staff_services_follow_the_table(app, permit, owner, reviewer, start, target):
    application = complete_application(permit, owner, status=start)
    with app.test_request_context():
        if APPLICATION_TRANSITIONS.can(start, target):
            STAFF_SERVICES[target](application, reviewer, application.version)
            assert application.status == target
            assert application.reviewer_id == reviewer.id
        else:
            with pytest.raises(IllegalTransition):
                STAFF_SERVICES[target](application, reviewer, application.version)
            assert application.status == start


@pytest.mark.parametrize(
    "start", [S.DRAFT, S.INFORMATION_REQUESTED, S.REJECTED, S.NOT_APPLICABLE, S.WITHDRAWN]
)
@pytest.mark.parametrize("target", list(STAFF_SERVICES))
def test_staff_cannot_decide_outside_the_queue(app, permit, owner, reviewer, start, target):
    application = complete_application(permit, owner, status=start)
    with app.test_request_context(), pytest.raises(IllegalTransition):
        STAFF_SERVICES[target](application, reviewer, application.version)
    assert application.status == start


@pytest.mark.parametrize("start", [S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED, S.REJECTED])
def test_only_a_draft_can_be_submitted(app, permit, owner, start):
    application = complete_application(permit, owner, status=start)
    with app.test_request_context(), pytest.raises(IllegalTransition):
        services.submit(application, owner)


@pytest.mark.parametrize("start", [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED])
def test_only_requested_information_can_be_resubmitted(app, permit, owner, start):
    application = complete_application(permit, owner, status=start)
    with app.test_request_context(), pytest.raises(IllegalTransition):
        services.resubmit(application, owner)


def test_resubmit_after_information_requested(app, permit, owner):
    application = complete_application(permit, owner, status=S.INFORMATION_REQUESTED)
    with app.test_request_context():
        services.resubmit(application, owner)
    assert application.status == S.RESUBMITTED
    assert application.resubmitted_at is not None


@pytest.mark.parametrize(
    "target", [S.UNDER_REVIEW, S.ACCEPTED, S.INFORMATION_REQUESTED, S.REJECTED]
)
def test_an_accepted_application_cannot_be_reviewed_again(app, permit, owner, reviewer, target):
    application = complete_application(permit, owner, status=S.ACCEPTED)
    with app.test_request_context(), pytest.raises(IllegalTransition):
        STAFF_SERVICES[target](application, reviewer, application.version)


def test_an_accepted_application_can_still_be_found_not_applicable(app, permit, owner, reviewer):
    application = complete_application(permit, owner, status=S.ACCEPTED)
    with app.test_request_context():
        review.mark_not_applicable(application, reviewer, application.version, "Exempt")
    assert application.status == S.NOT_APPLICABLE
