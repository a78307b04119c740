"""Documents keep their history (issue 12 item 8)

cofo_applications.submission_count: how many times the application has been sent to the
department. Every submitted application has been sent at least once; how many times an
earlier resubmission went out is not recorded, so it counts as one and the reviewer's
"changed since the last submission" starts with the next resubmission.

application_documents.added_in / removed_in / replaces_id: the submission that first carried
a version, the one that no longer did (removed or replaced), and the version it replaced.
Every existing document is version 1, carried by the first submission, and current.

Revision ID: d4e5f6a7b8c9
Revises: c3d1e2f4a5b6
Create Date: 2026-12-06 05:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e5f6a7b8c9"
down_revision = "c3d1e2f4a5b6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submission_count", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.alter_column("submission_count", server_default=None)
    op.execute("UPDATE cofo_applications SET submission_count = 1 WHERE submitted_at IS NOT NULL")

    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_in", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("removed_in", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_application_documents_replaces_id_application_documents"),
            "application_documents",
            ["replaces_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.alter_column("added_in", server_default=None)


def downgrade():
    # Versions no longer current would reappear as current documents: drop them first.
    op.execute("DELETE FROM application_documents WHERE removed_in IS NOT NULL")
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_application_documents_replaces_id_application_documents"),
            type_="foreignkey",
        )
        batch_op.drop_column("replaces_id")
        batch_op.drop_column("removed_in")
        batch_op.drop_column("added_in")
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.drop_column("submission_count")
