"""Accounts: every change to a user account goes through one function here.

Each function checks its rule, changes the account, writes the audit entry, queues
any email in the same transaction, and commits once.
"""

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, languages, tokens
from portal.auth import passwords
from portal.auth.models import Role, User, new_session_token
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import email_link, queue_email

VERIFY_PURPOSE = "verify-email"
RESET_PURPOSE = "reset-password"
# An expired verification link may still ask for a fresh one for this long after it expired.
RENEWAL_GRACE = timedelta(days=30)
# Prefix of a password hash that no password can match (argon2 refuses to parse it).
UNUSABLE_PREFIX = "!unusable:"


class EmailTaken(DomainError):
    default_message = _l(
        "An account with this email address already exists. Sign in, or use "
        "“Forgotten your password?” if you cannot remember it."
    )


class BadCredentials(DomainError):
    # One message for an unknown email and a wrong password, so nobody can probe for accounts.
    default_message = _l("The email address or password is not right. Check them and try again.")


class AccountDeactivated(DomainError):
    default_message = _l(
        "This account has been deactivated. Contact the department if you need access again."
    )


class WrongCurrentPassword(DomainError):
    default_message = _l("Your current password is not right.")


class ExpiredLink(DomainError):
    default_message = _l("This link has expired.")


class InvalidLink(DomainError):
    default_message = _l(
        "This link is not valid. Check that you copied the whole link from the email."
    )


class UnacceptablePassword(DomainError):
    pass


class NotAStaffAccount(DomainError):
    default_message = _l("Only staff and administrator accounts are managed here.")


class OwnAccount(DomainError):
    default_message = _l(
        "You cannot change your own role or deactivate your own account. Ask another administrator."
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _hours(setting: str) -> int:
    return int(current_app.config[setting].total_seconds() // 3600)


def _require_acceptable(password: str) -> None:
    message = passwords.problem(password)
    if message:
        raise UnacceptablePassword(message)


@cache
def _dummy_hash() -> str:
    return passwords.hash_password(secrets.token_urlsafe(16))


def _set_password(user: User, password: str) -> None:
    """Store a new password and end every session that carries the old session token."""
    _require_acceptable(password)
    user.password_hash = passwords.hash_password(password)
    user.session_token = new_session_token()
    user.password_changed_at = utcnow()


def _queue_verification(user: User) -> None:
    # A fingerprint rather than the address itself: links end up in logs and browser history.
    token = tokens.make_token(
        VERIFY_PURPOSE, {"uid": user.id, "em": tokens.fingerprint(user.email)}
    )
    queue_email(
        user.email,
        _l("Confirm your email address"),
        "auth_verify_email",
        user=user,
        link=email_link("auth.verify_email", token=token),
        hours=_hours("EMAIL_TOKEN_MAX_AGE"),
    )


def _queue_password_changed_notice(user: User) -> None:
    queue_email(
        user.email,
        _l("Your password was changed"),
        "auth_password_changed",
        user=user,
        reset_link=email_link("auth.forgot_password"),
    )


def _reset_token(user: User) -> str:
    # The fingerprint of the current hash makes the link single-use: setting a password changes it.
    return tokens.make_token(
        RESET_PURPOSE, {"uid": user.id, "fp": tokens.fingerprint(user.password_hash)}
    )


def register(*, name: str, email: str, phone: str, password: str) -> User:
    """Create an applicant account and email a verification link.

    Sign-up only ever creates applicants; staff accounts come from an admin.
    """
    email = normalise_email(email)
    _require_acceptable(password)
    if find_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        name=name,
        email=email,
        phone=phone,
        password_hash=passwords.hash_password(password),
        role=Role.APPLICANT,
        password_changed_at=utcnow(),
        # Emails from now on come in the language the person signed up in.
        locale=languages.current(),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Two sign-ups for one address at the same moment: the second meets the unique index.
        db.session.rollback()
        raise EmailTaken() from error
    audit.record("account.registered", user, actor=user)
    _queue_verification(user)
    db.session.commit()
    return user


def send_verification(user: User) -> None:
    """Email a fresh verification link to an account whose address is not yet verified."""
    if user.email_verified:
        raise DomainError(_l("Your email address is already verified."))
    _queue_verification(user)
    audit.record("account.verification_sent", user, actor=user)
    db.session.commit()


def verify_email(token: str) -> tuple[User, bool]:
    """Mark the account's email verified; idempotent. Returns the user and whether this
    call verified it (False when it was already verified)."""
    try:
        payload = tokens.read_token(
            VERIFY_PURPOSE, token, current_app.config["EMAIL_TOKEN_MAX_AGE"]
        )
    except tokens.ExpiredToken as error:
        raise ExpiredLink(
            _(
                "This link has expired: links to confirm an email address work for "
                "%(hours)s hours. We can send you a new one.",
                hours=_hours("EMAIL_TOKEN_MAX_AGE"),
            )
        ) from error
    except tokens.InvalidToken as error:
        raise InvalidLink() from error
    user = db.session.get(User, payload.get("uid"))
    if user is None or tokens.fingerprint(user.email) != payload.get("em"):
        raise InvalidLink()
    if user.email_verified:
        return user, False
    user.email_verified_at = utcnow()
    audit.record("account.email_verified", user, actor=user)
    db.session.commit()
    return user, True


def renew_verification(token: str) -> None:
    """Send a new verification link to the account an expired (but genuine) link names.

    Having received the old link is the proof: the new one goes to the same address.
    """
    grace = current_app.config["EMAIL_TOKEN_MAX_AGE"] + RENEWAL_GRACE
    try:
        payload = tokens.read_token(VERIFY_PURPOSE, token, grace)
    except tokens.InvalidToken as error:
        raise InvalidLink(
            _l("This link is too old to renew. Sign in and ask for a new one from your account.")
        ) from error
    user = db.session.get(User, payload.get("uid"))
    if user is None or tokens.fingerprint(user.email) != payload.get("em"):
        raise InvalidLink()
    if user.email_verified:
        return
    _queue_verification(user)
    audit.record("account.verification_sent", user, renewed=True)
    db.session.commit()


def authenticate(email: str, password: str) -> User:
    """Check an email and password; record the sign-in or the failure.

    Unknown email and wrong password fail alike and take the same time. A deactivated
    account is refused even with the right password. A hash made with older argon2
    parameters is replaced while the password is at hand.
    """
    email = normalise_email(email)
    user = find_by_email(email)
    if user is None:
        passwords.verify_password(_dummy_hash(), password)
        audit.record("account.sign_in_failed", None, email=email[:254], reason="unknown email")
        db.session.commit()
        raise BadCredentials()
    if not passwords.verify_password(user.password_hash, password):
        audit.record("account.sign_in_failed", user, reason="wrong password")
        db.session.commit()
        raise BadCredentials()
    if not user.active:
        audit.record("account.sign_in_refused", user, reason="deactivated")
        db.session.commit()
        raise AccountDeactivated()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if user.is_staff:
        # Staff are signed in only after the second factor, which records the sign-in.
        audit.record("account.password_accepted", user, actor=user)
    else:
        user.last_sign_in_at = utcnow()
        audit.record("account.signed_in", user, actor=user)
    db.session.commit()
    return user


def sign_out(user: User) -> None:
    """End every session of the account, this one included, on the server: a copy of the
    session cookie (left on a shared computer, or stolen) carries the old session token
    and stops working at once, instead of for the rest of the cookie's life."""
    user.session_token = new_session_token()
    audit.record("account.signed_out", user, actor=user)
    db.session.commit()


def sign_out_other_sessions(user: User) -> None:
    """End every session of the account but the caller's (for a lost phone, a computer
    left signed in): the token rotates, and the view starts its own session again under
    the new one, as after a password change."""
    user.session_token = new_session_token()
    audit.record("account.other_sessions_ended", user, actor=user)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account has this address; do nothing visible otherwise,
    so the answer never tells whether an account exists."""
    email = normalise_email(email)
    user = find_by_email(email)
    if user is None or not user.active:
        audit.record("account.password_reset_requested", None, email=email[:254], found=False)
        db.session.commit()
        return
    queue_email(
        user.email,
        _l("Reset your password"),
        "auth_reset_password",
        user=user,
        link=email_link("auth.reset_password", token=_reset_token(user)),
        hours=_hours("RESET_TOKEN_MAX_AGE"),
    )
    audit.record("account.password_reset_requested", user, found=True)
    db.session.commit()


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for, if the link is genuine, unexpired and unused."""
    try:
        payload = tokens.read_token(RESET_PURPOSE, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    except tokens.ExpiredToken as error:
        raise ExpiredLink(
            _(
                "This link has expired: links to set a password work for %(hours)s hours. "
                "Ask for a new one below.",
                hours=_hours("RESET_TOKEN_MAX_AGE"),
            )
        ) from error
    except tokens.InvalidToken as error:
        raise InvalidLink() from error
    user = db.session.get(User, payload.get("uid"))
    if (
        user is None
        or not user.active
        or payload.get("fp") != tokens.fingerprint(user.password_hash)
    ):
        raise InvalidLink(
            _l("This link has already been used, or a newer one replaced it. Ask for a new one.")
        )
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from an emailed link; the link stops working and every
    session of the account ends. Receiving the link proves the email address."""
    user = user_for_reset_token(token)
    _set_password(user, password)
    if not user.email_verified:
        user.email_verified_at = utcnow()
    audit.record("account.password_reset", user, actor=user)
    _queue_password_changed_notice(user)
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password of a signed-in user who knows the current one; every
    session of the account ends (the caller signs this one in again)."""
    if not passwords.verify_password(user.password_hash, current_password):
        audit.record("account.password_change_failed", user, actor=user)
        db.session.commit()
        raise WrongCurrentPassword()
    _set_password(user, new_password)
    audit.record("account.password_changed", user, actor=user)
    _queue_password_changed_notice(user)
    db.session.commit()


def update_profile(user: User, *, name: str, phone: str) -> None:
    updates = {"name": name, "phone": phone}
    changed = [field for field, value in updates.items() if getattr(user, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(user, field, updates[field])
    audit.record("account.profile_updated", user, actor=user, fields=", ".join(changed))
    db.session.commit()


def choose_language(user: User, code: str) -> None:
    """Keep `code` as the account's language: its pages, emails and PDFs. Commits."""
    chosen = languages.supported(code)
    if chosen is None:
        raise DomainError(_l("Choose English or Spanish."))
    if user.locale == chosen:
        return
    audit.record("account.language_changed", user, actor=user, old=user.locale, new=chosen)
    user.locale = chosen
    db.session.commit()


def account_language(address: str) -> str | None:
    """The language of the account with this email address, if there is one."""
    return db.session.scalar(select(User.locale).where(User.email == normalise_email(address)))


def staff_accounts():
    """Staff and admin accounts, by name: the statement the admin page paginates."""
    return select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.name, User.id)


def create_staff_account(*, name: str, email: str, role: Role | str, created_by: User) -> User:
    """An admin creates a staff or admin account. It starts with a password nobody knows;
    the person sets their own through an emailed set-password link."""
    role = Role(role)
    if role not in (Role.STAFF, Role.ADMIN):
        raise DomainError(_l("Choose staff or administrator."))
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise EmailTaken(_l("An account with this email address already exists."))
    user = User(
        name=name,
        email=email,
        phone="",
        password_hash=UNUSABLE_PREFIX + secrets.token_urlsafe(32),
        role=role,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise EmailTaken(_l("An account with this email address already exists.")) from error
    queue_email(
        user.email,
        _l("Your Occupancy Portal staff account"),
        "auth_staff_welcome",
        user=user,
        created_by=created_by,
        link=email_link("auth.reset_password", token=_reset_token(user)),
        forgot_link=email_link("auth.forgot_password"),
        hours=_hours("RESET_TOKEN_MAX_AGE"),
    )
    audit.record("account.staff_created", user, actor=created_by, role=role.value)
    db.session.commit()
    return user


def _managed_staff(user: User, by: User) -> None:
    if not user.is_staff:
        raise NotAStaffAccount()
    if user.id == by.id:
        raise OwnAccount()


def change_role(user: User, role: Role | str, by: User) -> None:
    """An admin makes a staff member an admin or the other way round. Nobody changes
    their own role, so the department always keeps the admin who made the change."""
    role = Role(role)
    if role not in (Role.STAFF, Role.ADMIN):
        raise DomainError(_l("Choose staff or administrator."))
    _managed_staff(user, by)
    if user.role == role:
        return
    previous = user.role
    user.role = role
    audit.record("account.role_changed", user, actor=by, old=previous.value, new=role.value)
    db.session.commit()


def deactivate(user: User, by: User) -> None:
    """An admin deactivates a staff account: it cannot sign in, and its sessions end at
    once (the session token rotates, and the user loader only loads active accounts)."""
    _managed_staff(user, by)
    if not user.active:
        raise DomainError(_l("This account is already deactivated."))
    user.active = False
    user.session_token = new_session_token()
    audit.record("account.deactivated", user, actor=by)
    db.session.commit()


def reactivate(user: User, by: User) -> None:
    """An admin lets a deactivated staff account sign in again (with its second factor)."""
    _managed_staff(user, by)
    if user.active:
        raise DomainError(_l("This account is already active."))
    user.active = True
    audit.record("account.reactivated", user, actor=by)
    db.session.commit()
