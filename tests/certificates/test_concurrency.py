"""Races that only real threads show: two staff issuing at the same moment, two staff
regenerating the same certificate, two people booking the last seat, on SQLite and
PostgreSQL."""

from sqlalchemy import select

from portal.auth.models import User
from portal.certificates import issuing, openings, pickup, reading, versions
from portal.certificates.models import (
    Certificate,
    CertificateVersion,
    PickupAppointment,
    VersionStatus,
)
from portal.extensions import db
from portal.permits.models import Permit
from tests.factories import certificates as factories
from tests.support.race import race


def test_simultaneous_issues_get_consecutive_numbers(app, staff):
    application_ids = [factories.ready_application().id for _ in range(3)]
    staff_id = staff.id

    def issue(application_id):
        def job(barrier):
            application = reading.application_for_issue(application_id)
            actor = db.session.get(User, staff_id)
            version = application.version
            barrier.wait()
            certificate = issuing.issue(application, actor, version, factories.answers())
            return certificate.number

        return job

    numbers = race(app, [issue(i) for i in application_ids])
    db.session.expire_all()
    sequences = sorted(db.session.scalars(select(Certificate.sequence)))
    assert sequences == [1, 2, 3]
    assert len(set(numbers)) == 3


def test_simultaneous_regenerations_get_consecutive_versions_and_one_current(
    app, certificate, staff
):
    certificate_id, staff_id = certificate.id, staff.id

    def regenerate(load):
        def job(barrier):
            found = reading.certificate_for_staff(certificate_id)
            actor = db.session.get(User, staff_id)
            barrier.wait()
            version = versions.regenerate(
                found, actor, factories.answers(occupancy_load=load), f"Load {load}"
            )
            return version.version_number

        return job

    numbers = race(app, [regenerate(50), regenerate(60)])
    assert sorted(numbers) == [2, 3]
    db.session.expire_all()
    written = db.session.scalars(
        select(CertificateVersion).order_by(CertificateVersion.version_number)
    ).all()
    assert [v.version_number for v in written] == [1, 2, 3]
    assert [v.status for v in written] == [
        VersionStatus.SUPERSEDED,
        VersionStatus.SUPERSEDED,
        VersionStatus.CURRENT,
    ]
    assert db.session.get(Certificate, certificate_id).last_version == 3


def test_two_people_booking_the_last_seat_one_wins(app, certificate, staff):
    slots = factories.every_weekday(capacity=1)
    day = factories.free_day(3)
    value = factories.choice(day, slots)
    other = factories.issue(factories.ready_application(), staff)
    bookings = [
        (certificate.permit_id, certificate.permit.owner_party.user_id),
        (other.permit_id, other.permit.owner_party.user_id),
    ]

    def book(permit_id, user_id):
        def job(barrier):
            permit = db.session.get(Permit, permit_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                pickup.book_pickup(permit, user, value)
            except openings.SlotFull as refusal:
                return "refused: " + refusal.message
            return "booked"

        return job

    outcomes = race(app, [book(*b) for b in bookings])
    assert sorted(outcomes) == ["booked", "refused: " + str(openings.SlotFull.default_message)]
    db.session.expire_all()
    assert len(db.session.scalars(select(PickupAppointment)).all()) == 1
