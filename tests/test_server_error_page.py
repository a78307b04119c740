"""An unexpected fault shows a page with a reference that is also in the log, and does not
claim that nothing was lost."""

import logging
import re

from portal import create_app


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_fault_gives_a_reference_that_the_log_has_too(app):
    faulty = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @faulty.get("/boom")
    def boom():
        raise RuntimeError("the printer caught fire")

    # On the app's own logger: whatever another test did to the root logger's handlers.
    kept = _Kept()
    faulty.logger.addHandler(kept)
    try:
        response = faulty.test_client().get("/boom")
    finally:
        faulty.logger.removeHandler(kept)
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "not lost" not in page
    assert 'href="/help#contact"' in page
    [reference] = re.findall(r'class="portal-reference">([0-9A-F]{8})<', page)
    logged = [r for r in kept.records if reference in r.getMessage()]
    assert logged, "the reference is not in the log"
    assert "the printer caught fire" in str(logged[0].exc_info[1])
