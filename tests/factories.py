"""Factories that build records for tests, and a quick way to sign a test client in."""

import itertools
import time
from functools import cache

import pyotp
from flask import g
from flask_login.utils import _create_identifier

from portal.applications.models import REVIEW_QUEUE_STATES, ApplicationStatus, CofOApplication
from portal.auth import second_factor
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.auth.session import PENDING_KEY, SECOND_FACTOR_KEY
from portal.extensions import db
from portal.models import utcnow
from portal.permits.models import PartyRole, Permit, PermitParty, PermitStatus
from portal.settings.models import DEFAULTS, PortalSettings

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
        # As if the second factor was done too: staff are not signed in without it.
        session[SECOND_FACTOR_KEY] = user.session_token


def start_pending_sign_in(client, user: User) -> None:
    """Put the client where the right password leaves a staff member: at the second step."""
    with client.session_transaction() as session:
        session[PENDING_KEY] = {"token": user.session_token, "at": utcnow().isoformat()}


def set_settings(**values) -> PortalSettings:
    """Put these admin settings in force for the rest of the test (the next test starts
    from the defaults again, with an empty database)."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"no such setting: {', '.join(sorted(unknown))}")
    settings = db.session.get(PortalSettings, 1) or PortalSettings(id=1, **DEFAULTS)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.add(settings)
    db.session.commit()
    # The test's own app context may have read the defaults already.
    g.pop("portal_settings", None)
    return settings


def enrol_second_factor(user: User) -> str:
    """Give a staff account an authenticator app, as enrolment would; returns its secret."""
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = second_factor.encrypt_secret(secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    db.session.commit()
    return secret


def next_totp_code(user: User) -> str:
    """A code the portal accepts now: for the current time step, or the next one when the
    current one was used already (the portal allows one step of clock drift)."""
    db.session.refresh(user)
    step = second_factor.current_step()
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    # Signed in three times within one step: wait until the next code is accepted.
    wait = (step - second_factor.DRIFT_STEPS) * second_factor.STEP_SECONDS - time.time()
    if wait > 0:
        time.sleep(wait + 0.1)
    secret = second_factor.secret_of(user)
    return pyotp.TOTP(secret, interval=second_factor.STEP_SECONDS).generate_otp(step)
