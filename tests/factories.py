"""Factories that build records for tests, and a quick way to sign a test client in."""

import itertools
from functools import cache

from flask_login.utils import _create_identifier

from portal.applications.models import REVIEW_QUEUE_STATES, ApplicationStatus, CofOApplication
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import utcnow
from portal.permits.models import PartyRole, Permit, PermitParty, PermitStatus

PASSWORD = "a long test passphrase"
_counter = itertools.count(1)


@cache
def _password_hash() -> str:
    # Hashing with argon2 takes ~0.1 s; one hash serves every test account.
    return hash_password(PASSWORD)


def make_user(
    email: str | None = None, role: Role = Role.APPLICANT, verified: bool = True, **fields
) -> User:
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.com",
        name=fields.pop("name", f"Test User {n}"),
        phone=fields.pop("phone", "312-555-0100"),
        password_hash=_password_hash(),
        role=role,
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_permit(**fields) -> Permit:
    n = next(_counter)
    values = {
        "permit_num": f"BP-2026-{n:06d}",
        "description": "New 6-unit residential building",
        "status_current": PermitStatus.ISSUED,
        "original_address1": f"{100 + n} N State St",
        "original_city": "Chicago",
        "original_state": "IL",
        "original_zip": "60602",
        "permit_type": "New Construction",
        "work_class": "New",
        "proposed_use": "Residential",
        "housing_units": 6,
        "total_sq_ft": 7200,
        "scope": ["new_construction", "electrical", "plumbing"],
        "access_code": f"CODE{n:04d}",
    }
    values.update(fields)
    permit = Permit(**values)
    db.session.add(permit)
    db.session.commit()
    return permit


def add_party(
    permit: Permit, user: User, role: PartyRole = PartyRole.OWNER, **fields
) -> PermitParty:
    party = PermitParty(permit_id=permit.id, user_id=user.id, role=role, **fields)
    db.session.add(party)
    db.session.commit()
    return party


def make_application(
    permit: Permit, user: User, status: ApplicationStatus = ApplicationStatus.DRAFT, **fields
) -> CofOApplication:
    if status in REVIEW_QUEUE_STATES:
        fields.setdefault("submitted_at", utcnow())
        fields.setdefault("queued_at", fields["submitted_at"])
    application = CofOApplication(
        permit_id=permit.id, created_by_id=user.id, status=status, **fields
    )
    db.session.add(application)
    db.session.commit()
    return application


def sign_in_as(client, user: User) -> None:
    """Put the user in the client's session as Flask-Login would after signing in."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
        session["_id"] = identifier
