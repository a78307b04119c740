"""The department's contact details

contact_details: a single row (id 1) admins edit under Settings, shown on the help page,
the pickup page and the pickup emails. No row is written here: until an admin first saves,
the portal shows settings.models.CONTACT_DEFAULTS, as it does for portal_settings.

Revision ID: 5b1e7c3d9f20
Revises: 5b1c0e2d7a9f
Create Date: 2026-12-06 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b1e7c3d9f20"
down_revision = "5b1c0e2d7a9f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("counter_address", sa.Text(), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("processing_times", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_contact_details_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_details")),
    )


def downgrade():
    op.drop_table("contact_details")
