"""Pickup appointments: a covering index for a day's bookings

ix_pickup_appointments_day (day) becomes ix_pickup_appointments_day_status_starts (day,
status, starts_at): the staff dashboard counts today's booked pickups and finds the first
one's time from the index alone (measured in issue 17: 2.9 ms to 0.5 ms at 1,000,000
permits), and every query the old index served starts with the day still.

Revision ID: 5b1c0e2d7a9f
Revises: b7e14c0d2a51
Create Date: 2026-12-06 05:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5b1c0e2d7a9f"
down_revision = "b7e14c0d2a51"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pickup_appointments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pickup_appointments_day_status_starts",
            ["day", "status", "starts_at"],
            unique=False,
        )
        batch_op.drop_index("ix_pickup_appointments_day")


def downgrade():
    with op.batch_alter_table("pickup_appointments", schema=None) as batch_op:
        batch_op.create_index("ix_pickup_appointments_day", ["day"], unique=False)
        batch_op.drop_index("ix_pickup_appointments_day_status_starts")
