"""Status tags: one table gives every shown status a meaning and a colour, and pages use it."""

import pytest

from portal.applications.models import ApplicationStatus
from portal.certificates.models import PickupStatus, RequestStatus, VersionStatus
from portal.inspections.models import InspectionResult, InspectionStatus
from portal.payments.models import FeeStatus, PaymentStatus
from portal.permits.models import ImportStatus, PermitStatus
from portal.status_tags import ACTION, DONE, ENDED, PROGRESS, REFUSED, TONES, status_tag, tone
from tests.factories import sign_in_as
from tests.factories.world import build_world

SHOWN = (
    ApplicationStatus,
    PermitStatus,
    InspectionStatus,
    InspectionResult,
    FeeStatus,
    PaymentStatus,
    VersionStatus,
    PickupStatus,
    RequestStatus,
    ImportStatus,
)


@pytest.mark.parametrize("status_class", SHOWN, ids=lambda c: c.__name__)
def test_every_status_has_a_meaning(status_class):
    assert set(TONES[status_class.__name__]) == {member.value for member in status_class}
    assert {tone(member) for member in status_class} <= {ACTION, PROGRESS, DONE, REFUSED, ENDED}


def test_the_tag_says_in_words_what_its_colour_says(app):
    with app.test_request_context():
        assert str(status_tag(FeeStatus.OUTSTANDING)) == (
            '<span class="usa-tag portal-tag portal-tag--action">Outstanding</span>'
        )
        assert "portal-tag--refused" in status_tag(ApplicationStatus.REJECTED)
        assert "portal-tag--done" in status_tag(VersionStatus.CURRENT)


def test_status_labels_read_in_sentence_case():
    assert ApplicationStatus.INSPECTIONS_COMPLETE.label == "Inspections complete"
    assert ApplicationStatus.NOT_APPLICABLE.label == "Not applicable"
    assert ApplicationStatus.COFO_ISSUED.label == "C of O issued"
    assert PermitStatus.INSPECTION_PHASE.label == "Inspection phase"


def test_the_fees_page_colours_each_fee_by_its_status(client):
    world = build_world()
    sign_in_as(client, world.owner)
    html = client.get(f"/permits/{world.permit.id}/fees").get_data(as_text=True)
    assert 'portal-tag--action">Outstanding</span>' in html
