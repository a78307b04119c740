"""BLDS: permit type mappings, contractor state licence and trade, Appendix A inspection types

permit_type_mappings: how the open-data export names each of the department's permit types
(PermitTypeMapped, PermitTypeDesc), kept by admins on the settings page. Seeded with the BLDS
names as they are and the Chicago types the demo and import files use, so permits already in
the database export a PermitTypeMapped at once.

permits.contractor_state_lic, permits.contractor_trade: BLDS ContractorStateLic and
ContractorTrade, read from the import file when it has them; existing permits have neither.

inspection_types.blds_type_mapped: the catalogue's types move to Appendix A's values; a type
an admin has already changed away from the old default keeps the admin's value.

Revision ID: b7e14c0d2a51
Revises: a42c260da1e9
Create Date: 2026-12-06 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e14c0d2a51"
down_revision = "a42c260da1e9"
branch_labels = None
depends_on = None

PERMIT_TYPES = (
    ("Building", "Building", "Building permit"),
    ("Demolition", "Demolition", "Demolition permit"),
    ("Electrical", "Electrical", "Electrical permit"),
    ("Mechanical", "Mechanical", "Mechanical permit"),
    ("Plumbing", "Plumbing", "Plumbing permit"),
    ("New Construction", "Building", "Building permit for a new building"),
    ("Renovation/Alteration", "Building", "Building permit for work on an existing building"),
)
# code: (the old default, Appendix A's value)
INSPECTION_TYPES = {
    "PLB-UG": ("Plumbing Underground", "Rough In"),
    "STR-REBAR": ("Foundation", "Rough"),
    "CARP-RGH": ("Framing", "Rough Frame"),
    "ELEC-RGH": ("Electrical Rough", "Rough In"),
    "IRON-RGH": ("Structural Steel", "Frame"),
    "PLB-RGH": ("Plumbing Rough", "Rough In"),
    "VENT-RGH": ("Mechanical Rough", "Rough In"),
    "BOIL-FIN": ("Boiler Final", "Final"),
    "CARP-FIN": ("Building Final", "Final"),
    "ELEC-FIN": ("Electrical Final", "Final"),
    "IRON-FIN": ("Structural Final", "Final"),
    "PLB-FIN": ("Plumbing Final", "Final"),
    "REFR-FIN": ("Refrigeration Final", "Final"),
    "VENT-FIN": ("Mechanical Final", "Final"),
    "COFO-DOB": ("Certificate of Occupancy", "Final"),
    "COFO-FPB": ("Fire Final", "Final"),
}


def upgrade():
    mappings = op.create_table(
        "permit_type_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_type", sa.String(length=100), nullable=False),
        sa.Column("permit_type_key", sa.String(length=100), nullable=False),
        sa.Column("blds_type", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_type_mappings")),
        sa.UniqueConstraint(
            "permit_type_key", name=op.f("uq_permit_type_mappings_permit_type_key")
        ),
    )
    op.bulk_insert(
        mappings,
        [
            {
                "permit_type": name,
                "permit_type_key": name.lower(),
                "blds_type": blds_type,
                "description": description,
            }
            for name, blds_type, description in PERMIT_TYPES
        ],
    )
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "contractor_state_lic", sa.String(length=60), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("contractor_trade", sa.String(length=100), server_default="", nullable=False)
        )
    types = sa.table(
        "inspection_types", sa.column("code", sa.String), sa.column("blds_type_mapped", sa.String)
    )
    for code, (old, new) in INSPECTION_TYPES.items():
        op.execute(
            types.update()
            .where(types.c.code == code, types.c.blds_type_mapped == old)
            .values(blds_type_mapped=new)
        )


def downgrade():
    types = sa.table(
        "inspection_types", sa.column("code", sa.String), sa.column("blds_type_mapped", sa.String)
    )
    for code, (old, new) in INSPECTION_TYPES.items():
        op.execute(
            types.update()
            .where(types.c.code == code, types.c.blds_type_mapped == new)
            .values(blds_type_mapped=old)
        )
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.drop_column("contractor_trade")
        batch_op.drop_column("contractor_state_lic")
    op.drop_table("permit_type_mappings")
