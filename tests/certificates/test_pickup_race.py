"""The pickup slot's capacity holds when many people book at once, on SQLite (the embedded
default) as on PostgreSQL."""

from sqlalchemy import func, select

from portal.auth.models import User
from portal.certificates import openings, pickup
from portal.certificates.models import PickupAppointment
from portal.extensions import db
from portal.permits.models import Permit
from tests.factories import certificates as factories
from tests.support.race import race


def test_six_people_booking_the_last_seat_at_once_one_gets_it(app, staff):
    slots = factories.every_weekday(capacity=3)
    day = factories.free_day(3)
    value = factories.choice(day, slots)
    certificates = [factories.issue(factories.ready_application(), staff) for _ in range(8)]
    bookings = [(c.permit_id, c.permit.owner_party.user_id) for c in certificates]
    for certificate in certificates[:2]:
        pickup.book_pickup(certificate.permit, certificate.permit.owner_party.user, value)

    def book(permit_id, user_id):
        def job(barrier):
            permit = db.session.get(Permit, permit_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                pickup.book_pickup(permit, user, value)
            except openings.SlotFull:
                return "full"
            return "booked"

        return job

    outcomes = race(app, [book(*pair) for pair in bookings[2:]])
    assert sorted(outcomes) == ["booked"] + ["full"] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PickupAppointment.id))) == 3
