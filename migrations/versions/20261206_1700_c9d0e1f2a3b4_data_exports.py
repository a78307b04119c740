"""The staff's open-data exports are a background job (issue 15 item 3)

data_exports records each export a staff member asks for (permits or inspections as BLDS
CSV, the filters as given, the Excel choice) and what its `exports.write_csv` job did:
status (queued, running, done, failed, expired), the run's attempt number, the stored
file, its row count and size, and why a run could not finish. A new table: existing data
is untouched.

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-06 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9d0e1f2a3b4"
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("for_excel", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("stored_file_id", sa.Integer(), nullable=True),
        sa.Column("failure", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_data_exports_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_data_exports_stored_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    op.create_index(op.f("ix_data_exports_status"), "data_exports", ["status"], unique=False)
    op.create_index(
        op.f("ix_data_exports_requested_by_id"), "data_exports", ["requested_by_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_data_exports_requested_by_id"), table_name="data_exports")
    op.drop_index(op.f("ix_data_exports_status"), table_name="data_exports")
    op.drop_table("data_exports")
