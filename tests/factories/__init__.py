"""Factories: the records tests start from, one module per feature (accounts, permits,
applications, inspections, payments, certificates, settings) and the shared world every
route can be requested in (world.py).

The names most tests need are re-exported here, so `from tests.factories import make_user,
make_permit, sign_in_as` works; feature builders are imported from their module, e.g.
`from tests.factories.inspections import make_request`.
"""

from tests.factories.accounts import (
    PASSWORD,
    enrol_second_factor,
    make_user,
    next_totp_code,
    sign_in_as,
    start_pending_sign_in,
)
from tests.factories.applications import complete_application, make_application
from tests.factories.permits import add_party, make_permit
from tests.factories.settings import set_settings

__all__ = [
    "PASSWORD",
    "add_party",
    "complete_application",
    "enrol_second_factor",
    "make_application",
    "make_permit",
    "make_user",
    "next_totp_code",
    "set_settings",
    "sign_in_as",
    "start_pending_sign_in",
]
