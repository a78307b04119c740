from tests.inspections.conftest import (  # noqa: F401 - the same world for the fee tests
    contractor,
    contractor_client,
    fixed_today,
    inspector,
    owner,
    owner_client,
    permit,
    seeded,
    staff_client,
)
