"""Account language

users.locale: the language a person reads the portal, their emails and their PDFs in
("en" or "es", portal/languages.py). Accounts made before this revision read English,
which is all the portal offered until then.

Revision ID: 5e1c0a7b2d94
Revises: 5b1e7c3d9f20
Create Date: 2026-12-06 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1c0a7b2d94"
down_revision = "5b1e7c3d9f20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=8), server_default="en", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")
