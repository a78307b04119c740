"""An inspector's daily capacity holds when many staff schedule at once, on SQLite (the
embedded default) as on PostgreSQL."""

from portal.auth.models import Role, User
from portal.extensions import db
from portal.inspections import errors, scheduling
from portal.inspections.models import InspectionRequest, Window
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user, set_settings
from tests.factories.inspections import THURSDAY, derive, make_request, schedule
from tests.support.race import race


def test_six_staff_booking_the_last_place_at_once_one_gets_it(app, seeded, inspector, contractor):
    set_settings(inspector_daily_capacity=3)
    request_ids = []
    for _ in range(8):
        permit = make_permit(scope=["electrical"])
        add_party(permit, contractor, PartyRole.CONTRACTOR)
        derive(permit)
        request_ids.append(make_request(permit, contractor).id)
    for request_id in request_ids[:2]:
        schedule(db.session.get(InspectionRequest, request_id), inspector)
    staff_ids = [make_user(role=Role.STAFF).id for _ in range(6)]
    inspector_id = inspector.id

    def book(request_id, staff_id):
        def job(barrier):
            inspection_request = db.session.get(InspectionRequest, request_id)
            actor = db.session.get(User, staff_id)
            inspection_request.permit  # noqa: B018 - loaded before the race starts
            barrier.wait()
            try:
                scheduling.schedule(
                    inspection_request,
                    actor,
                    day=THURSDAY,
                    window=Window.MORNING,
                    inspector_id=inspector_id,
                    version=inspection_request.version,
                )
            except errors.CapacityFull:
                return "full"
            return "booked"

        return job

    jobs = [book(r, s) for r, s in zip(request_ids[2:], staff_ids, strict=True)]
    outcomes = race(app, jobs)
    assert sorted(outcomes) == ["booked"] + ["full"] * 5
    db.session.expire_all()
    assert scheduling.visits_on(inspector_id, THURSDAY) == 3
