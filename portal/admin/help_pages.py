"""The public's help pages: help and contact, the accessibility statement, the privacy notice.

Public pages in admin/, as the settings pages are, because they read what several features
own: the contact details and the inspecting agencies (settings), the fee schedule in force
(payments). Thin views; what
they show comes from the settings admins edit, never from the templates.
"""

from flask import Blueprint, render_template

from portal import calendar
from portal.access import public
from portal.payments import fee_schedule
from portal.payments.models import FeeKind
from portal.settings import contact
from portal.settings import services as settings

bp = Blueprint("help", __name__)


@bp.get("/help")
@public
def index():
    today = calendar.local_today()
    in_force = fee_schedule.amounts_on(today)
    return render_template(
        "help/index.html",
        contact=contact.current(),
        # The agencies that book their own inspections: the department's own contacts are
        # the section above.
        agencies=[agency for agency in settings.agencies() if agency.schedules_directly],
        schedule=fee_schedule.schedule_in_force(today),
        fees=[(kind, in_force[kind]) for kind in FeeKind if kind in in_force],
    )


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("help/accessibility.html", contact=contact.current())


@bp.get("/privacy")
@public
def privacy():
    return render_template("help/privacy.html", contact=contact.current())
