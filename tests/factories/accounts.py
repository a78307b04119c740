"""Accounts for tests, and quick ways to put a test client where signing in would."""

import time
from functools import cache

import pyotp
from flask_login.utils import _create_identifier

from portal.auth import second_factor
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.auth.session import PENDING_KEY, SECOND_FACTOR_KEY
from portal.extensions import db
from portal.models import utcnow
from tests.factories.numbers import next_number

PASSWORD = "a long test passphrase"


@cache
def _password_hash() -> str:
    # One hash serves every test account (with the suite's smallest argon2 parameters a
    # hash is quick, but a test account needs no hash of its own).
    return hash_password(PASSWORD)


def make_user(
    email: str | None = None, role: Role = Role.APPLICANT, verified: bool = True, **fields
) -> User:
    n = next_number()
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
