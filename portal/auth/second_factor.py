"""The second factor staff and admins must use: TOTP codes (RFC 6238) from an authenticator
app, and one-time recovery codes for when the phone is lost.

At rest the TOTP secret is encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag)
under a key derived from SECRET_KEY with HKDF, so a copy of the database alone (a backup,
a read replica, an injected SELECT) does not let anyone make codes. The price: changing
SECRET_KEY makes every enrolment unreadable, and each staff member enrols again (an admin
resets their second factor, or `flask auth reset-second-factor EMAIL` for the last admin).
Recovery codes are random (about 49 bits) and only their HMAC-SHA256, keyed the same way,
is stored; they are shown once.

A code works once: the time step of the last accepted code is stored, and a code for that
step or an earlier one is refused. The step is claimed with a single conditional UPDATE,
so two requests racing with the same code cannot both pass.
"""

import base64
import hashlib
import hmac
import secrets
import time
from functools import cache

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.auth.models import RecoveryCode, User, new_session_token
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import queue_email
from portal.workflow import rows_changed

ISSUER = "Occupancy Portal"
STEP_SECONDS = 30
# Also accept the code just before and just after the current one: phone clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 10


class WrongCode(DomainError):
    default_message = _l(
        "That code is not right. Enter the 6-digit code your authenticator app shows "
        "for the Occupancy Portal now."
    )


class ReusedCode(DomainError):
    default_message = _l(
        "That code has already been used. Wait for your app to show a new code, then enter it."
    )


class WrongRecoveryCode(DomainError):
    default_message = _l(
        "That recovery code is not right, or it has been used already: each one works once."
    )


class UnreadableSecret(DomainError):
    default_message = _l(
        "Your second factor can no longer be checked. Ask an administrator to reset it, "
        "then set it up again."
    )


class AlreadyEnrolled(DomainError):
    default_message = _l("This account already has a second factor.")


class NotEnrolled(DomainError):
    default_message = _l("This account has no second factor set up yet.")


class CannotResetOwn(DomainError):
    default_message = _l(
        "You cannot reset your own second factor. Ask another administrator to do it."
    )


def _key(purpose: str) -> bytes:
    return _derived_key(current_app.config["SECRET_KEY"], purpose)


@cache
def _derived_key(secret_key: str, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"portal.{purpose}".encode())
    return hkdf.derive(secret_key.encode())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key("totp-secret")))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_of(user: User) -> str:
    """The user's TOTP secret in the clear (base32)."""
    if user.totp_secret_encrypted is None:
        raise NotEnrolled()
    try:
        return _fernet().decrypt(user.totp_secret_encrypted.encode()).decode()
    except InvalidToken as error:
        raise UnreadableSecret() from error


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(
        scale=5, title=_("QR code for your authenticator app")
    )


def current_step() -> int:
    return int(time.time()) // STEP_SECONDS


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now = current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    changed = rows_changed(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if changed != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _check_code(user: User, code: str) -> None:
    """Accept a current code once; record a refusal (committed) and raise otherwise."""
    step = _matching_step(secret_of(user), code)
    if step is None:
        audit.record("account.second_factor_failed", user, actor=user, reason="wrong code")
        db.session.commit()
        raise WrongCode()
    if not _claim_step(user, step):
        audit.record("account.second_factor_failed", user, actor=user, reason="code reused")
        db.session.commit()
        raise ReusedCode()


def _record_sign_in(user: User, method: str, **details) -> None:
    user.last_sign_in_at = utcnow()
    audit.record("account.signed_in", user, actor=user, second_factor=method, **details)


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _recovery_hash(code: str) -> str:
    normalised = "".join(char for char in code.lower() if char.isalnum())
    return hmac.new(_key("recovery-code"), normalised.encode(), hashlib.sha256).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(c)) for c in codes)
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def secret_for_enrolment(user: User) -> str:
    """The secret a person enrols with. It is made on the first look and kept until the
    person confirms it, so reloading the page does not undo a QR code already scanned."""
    if user.has_second_factor:
        raise AlreadyEnrolled()
    if user.totp_secret_encrypted is not None:
        try:
            return secret_of(user)
        except UnreadableSecret:
            pass
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = encrypt_secret(secret)
    user.totp_last_step = None
    audit.record("account.second_factor_enrolment_started", user, actor=user)
    db.session.commit()
    return secret


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the second factor on once the person proves their app makes the right codes;
    this completes their sign-in. Returns the recovery codes, to be shown this once."""
    if user.has_second_factor:
        raise AlreadyEnrolled()
    _check_code(user, code)
    user.totp_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    audit.record("account.second_factor_enrolled", user, actor=user)
    _record_sign_in(user, "authenticator app")
    db.session.commit()
    return codes


def sign_in_with_code(user: User, code: str) -> None:
    """The second step of a staff sign-in: a code from the app, each code once."""
    if not user.has_second_factor:
        raise NotEnrolled()
    _check_code(user, code)
    _record_sign_in(user, "authenticator app")
    db.session.commit()


def sign_in_with_recovery_code(user: User, code: str) -> int:
    """The second step with a recovery code instead of the app. Each code works once.
    Returns how many unused codes are left."""
    if not user.has_second_factor:
        raise NotEnrolled()
    row_id = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    claimed = row_id is not None and (
        rows_changed(
            update(RecoveryCode)
            .where(RecoveryCode.id == row_id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        == 1
    )
    if not claimed:
        audit.record("account.second_factor_failed", user, actor=user, reason="wrong recovery code")
        db.session.commit()
        raise WrongRecoveryCode()
    remaining = unused_recovery_codes(user)
    _record_sign_in(user, "recovery code", recovery_codes_left=remaining)
    db.session.commit()
    return remaining


def new_recovery_codes(user: User) -> list[str]:
    """Replace a person's recovery codes with ten new ones; the old ones stop working."""
    if not user.has_second_factor:
        raise NotEnrolled()
    codes = _replace_recovery_codes(user)
    audit.record("account.recovery_codes_replaced", user, actor=user)
    db.session.commit()
    return codes


def reset(user: User, by: User) -> None:
    """An admin turns a person's second factor off (a lost phone): they set it up again
    at their next sign-in. Every session of the account ends; the person is told by email."""
    if user.id == by.id:
        raise CannotResetOwn()
    if user.totp_secret_encrypted is None and not user.has_second_factor:
        raise NotEnrolled()
    _clear(user)
    audit.record("account.second_factor_reset", user, actor=by)
    queue_email(
        user.email,
        _l("Your second factor was reset"),
        "auth_second_factor_reset",
        user=user,
        by=by,
    )
    db.session.commit()


def reset_from_command_line(email: str) -> User:
    """For the last admin locked out (a lost phone, a changed SECRET_KEY): run on the server."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise DomainError(_l("No account has this email address."))
    _clear(user)
    audit.record("account.second_factor_reset", user, actor=None, by="command line")
    db.session.commit()
    return user


def _clear(user: User) -> None:
    user.totp_secret_encrypted = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.session_token = new_session_token()
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
