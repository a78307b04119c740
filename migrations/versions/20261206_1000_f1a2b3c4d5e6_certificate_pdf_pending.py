"""A certificate version's PDF is made by a background job (issue 15 item 3)

certificate_versions.stored_file_id and .sha256 become nullable: a version is written
without its PDF ("being prepared") and the `certificates.render_pdf` job sets both once.
pending_emails keeps the emails that carry the PDF until it exists. A partial index finds
the versions still without their PDF for the sweep. Existing versions all have their PDF
and no pending emails: they upgrade unchanged.

Revision ID: f1a2b3c4d5e6
Revises: e7f8a9b0c1d2
Create Date: 2026-12-06 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1a2b3c4d5e6"
down_revision = "e7f8a9b0c1d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_emails", sa.JSON(), nullable=True))
        batch_op.alter_column("stored_file_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("sha256", existing_type=sa.String(length=64), nullable=True)
    op.create_index(
        "ix_certificate_versions_pdf_pending",
        "certificate_versions",
        ["id"],
        unique=False,
        sqlite_where=sa.text("stored_file_id IS NULL"),
        postgresql_where=sa.text("stored_file_id IS NULL"),
    )


def downgrade():
    # A version still without its PDF cannot go back to a schema that requires one: let
    # the worker (or `flask outbox send`) make the PDFs first.
    pending = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM certificate_versions WHERE stored_file_id IS NULL")
    )
    if pending:
        raise RuntimeError(f"{pending} certificate PDF(s) still to make: make them first")
    op.drop_index(
        "ix_certificate_versions_pdf_pending",
        table_name="certificate_versions",
        sqlite_where=sa.text("stored_file_id IS NULL"),
        postgresql_where=sa.text("stored_file_id IS NULL"),
    )
    with op.batch_alter_table("certificate_versions", schema=None) as batch_op:
        batch_op.alter_column("sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("stored_file_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("pending_emails")
