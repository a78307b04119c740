"""Password hashing (argon2id) and the password rules: at least 12 characters, no
composition rules, and not one of the 30,000 most common passwords."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing cannot be used to tie up a worker.
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# The test suite's apps (TESTING, never set from the environment) set and check passwords
# thousands of times: argon2id's smallest parameters there, ~0.1 ms a hash instead of
# ~50 ms of CPU (issue 17). A hash verifies whatever parameters made it.
_testing_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _current_hasher() -> PasswordHasher:
    if has_app_context() and current_app.testing:
        return _testing_hasher
    return _hasher


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _current_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current_hasher().check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True for a password on the common list, ignoring case and surrounding spaces."""
    return password.strip().lower() in _common_passwords()


def problem(password: str) -> str | None:
    """What is wrong with a new password, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return str(_l("Enter a password of at least %(n)s characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Enter a password of at most %(n)s characters.", n=MAX_LENGTH))
    if is_common(password):
        return str(
            _l(
                "This password is one of the most commonly used, so it is easy to guess. "
                "Choose a different one: a few unrelated words work well."
            )
        )
    return None
