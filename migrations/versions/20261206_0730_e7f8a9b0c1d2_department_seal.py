"""The department's seal on the certificate (issue 16 item 9)

contact_details.seal_file_id: the seal or logo an admin uploaded (a PNG or JPEG in the
document store). Nullable: an existing row, like the defaults, prints the neutral
placeholder seal until an admin uploads the department's own.

Revision ID: e7f8a9b0c1d2
Revises: e7a1c2b3d4f5
Create Date: 2026-12-06 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7f8a9b0c1d2"
down_revision = "e7a1c2b3d4f5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contact_details", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal_file_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contact_details_seal_file_id_stored_files"),
            "stored_files",
            ["seal_file_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("contact_details", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contact_details_seal_file_id_stored_files"), type_="foreignkey"
        )
        batch_op.drop_column("seal_file_id")
