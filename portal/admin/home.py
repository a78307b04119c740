"""Staff home: the dashboard of work waiting, today's visits, money, stale permits, trends."""

from flask import render_template
from flask_babel import format_date, format_time

from portal.access import staff
from portal.admin.dashboard import OUTCOMES, dashboard
from portal.admin.routes import bp


@bp.get("/")
@staff
def staff_home():
    board = dashboard()
    return render_template(
        "admin/home.html",
        board=board,
        outcomes=OUTCOMES,
        # Short labels for the charts' week axis; the tables give the full dates.
        week_labels=[format_date(week, "d MMM") for week in board.submitted.weeks],
        first_pickup=format_time(board.pickups.first_at, "h:mm a")
        if board.pickups.first_at
        else "",
    )
