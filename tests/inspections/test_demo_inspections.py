"""`flask seed-demo` shows inspections in several states and an outstanding reinspection fee."""

from sqlalchemy import func, select

from portal import demo_occupancy
from portal.extensions import db
from portal.inspections.models import InspectionRequest, InspectionStatus, RequiredInspection
from portal.payments.models import Fee, FeeKind, FeeStatus
from portal.permits.models import Permit


def test_the_demo_has_inspections_and_a_fee_and_can_run_twice(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    # The permits with partial and temporary certificates have their C of O inspections
    # granted and those fees waived (portal/demo_occupancy.py); the others tell this story.
    others = select(Permit.id).where(Permit.permit_num.not_in(demo_occupancy.STORIES))
    statuses = sorted(
        s.value
        for s in db.session.scalars(
            select(InspectionRequest.status).where(InspectionRequest.permit_id.in_(others))
        )
    )
    assert statuses == sorted(
        [InspectionStatus.PASSED, InspectionStatus.SCHEDULED, InspectionStatus.NO_ACCESS]
    )
    assert db.session.scalar(select(func.count(RequiredInspection.id))) > 20
    (fee,) = db.session.scalars(select(Fee).where(Fee.permit_id.in_(others))).all()
    assert (fee.kind, fee.status) == (FeeKind.REINSPECTION, FeeStatus.OUTSTANDING)
