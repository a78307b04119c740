"""The staff side: staff home (the review queue) and staff account management."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/staff")

# Route modules register their views on bp.
from portal.admin import (  # noqa: E402, F401
    audit,
    background_jobs,
    home,
    people,
    permit_record,
    search,
    users,
)
