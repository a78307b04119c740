"""Accounts: applicants (any public sign-up), staff and admins."""

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.models import Base, TimestampMixin, enum_column, utcnow
from portal.search_keys import KEY_LENGTH, from_parameter, name_key, search_key_type
from portal.workflow import LabelledStatus


class Role(LabelledStatus):
    APPLICANT = "applicant", _l("Applicant")
    STAFF = "staff", _l("Staff")
    ADMIN = "admin", _l("Administrator")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name as staff search types it (portal/search.py): filled on insert, kept by the
    # validator below on ORM updates.
    name_key: Mapped[str] = mapped_column(
        search_key_type(KEY_LENGTH), default=from_parameter("name", name_key), index=True
    )
    phone: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.APPLICANT, index=True)
    email_verified_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: rotating it ends every other session of the account.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    password_changed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    # The second factor (staff and admins). The TOTP secret is stored encrypted (see
    # portal/auth/second_factor.py); it is set when enrolment starts and counts once
    # totp_enabled_at is set. totp_last_step is the time step of the last code accepted:
    # a code for that step or an earlier one is refused, so no code works twice.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    # The language the person reads the portal, emails and PDFs in (portal/languages.py).
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    @validates("name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        self.name_key = name_key(value)
        return value

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app; only its keyed hash is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_user_hash", "user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
