"""Signed, expiring links (email verification, password reset, invitations).

Each purpose has its own salt, so a token made for one cannot be used for another.
A token can carry a fingerprint of the state it acts on (e.g. the password hash),
which makes it single-use: once that state changes the token no longer matches.
"""

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The link is forged, damaged, for another purpose, or used already."""


class ExpiredToken(InvalidToken):
    """The link was genuine but is too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: timedelta) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise ExpiredToken() from error
    except BadSignature as error:
        raise InvalidToken() from error
