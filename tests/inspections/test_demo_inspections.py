"""`flask seed-demo` shows inspections in several states and an outstanding reinspection fee."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.inspections.models import InspectionRequest, InspectionStatus, RequiredInspection
from portal.payments.models import Fee, FeeKind, FeeStatus


def test_the_demo_has_inspections_and_a_fee_and_can_run_twice(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    statuses = sorted(s.value for s in db.session.scalars(select(InspectionRequest.status)))
    assert statuses == sorted(
        [InspectionStatus.PASSED, InspectionStatus.SCHEDULED, InspectionStatus.NO_ACCESS]
    )
    assert db.session.scalar(select(func.count(RequiredInspection.id))) > 20
    (fee,) = db.session.scalars(select(Fee)).all()
    assert (fee.kind, fee.status) == (FeeKind.REINSPECTION, FeeStatus.OUTSTANDING)
