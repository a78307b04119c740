"""How long the certificate PDF takes to render: median and p95 of warm renders.

.venv/bin/python bench/certificate_render.py [--renders 100]

Renders the same plain data the issuing service gives WeasyPrint (tagged PDF/UA-1, the
seal, the QR code, the static-files-only URL fetcher, the /IDTree added with pikepdf), after
a few unmeasured warm-up renders, in an app with a scratch SQLite database (the department's
contact details and seal are read once, before the clock starts): only the render is timed.
"""

import argparse
import statistics
import tempfile
import time
from datetime import date
from types import SimpleNamespace

from portal import create_app
from portal.applications.models import CertificateType
from portal.certificates import pdf
from portal.extensions import db

WARMUP = 5


def sample_version() -> SimpleNamespace:
    return SimpleNamespace(
        version_number=2,
        permit_num="BP-2026-100004",
        address="1200 W Harrison St, Chicago, IL 60607",
        owner_name="Olivia Owner",
        owner_address="1 Owner Way, Chicago, IL 60601",
        portion_of_building="Floors 1 to 4 and the basement storage rooms",
        occupancy_groups=["R-2", "B", "S-2"],
        occupancy_load=142,
        construction_type="VA",
        certificate_type=CertificateType.TEMPORARY,
        expires_on=date(2027, 3, 31),
        granted_date=date(2026, 11, 20),
        description="Six-unit residential building with a ground-floor office",
        conditions="Second stair handrail to be installed by 31 March 2027.",
        outstanding_matters="Paint the lobby ceiling.",
        official_name="Jordan Rivera",
        official_title="Building Commissioner",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch.name}/bench.db", "TESTING": True}
    )
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        db.create_all()
        data = pdf.certificate_data(
            sample_version(),
            code="CO-2026-000123-V2",
            number="CO-2026-000123",
            kind=CertificateType.TEMPORARY,
        )
        first_started = time.perf_counter()
        first = pdf.render(data)
        first_ms = (time.perf_counter() - first_started) * 1000
        for _ in range(WARMUP - 1):
            pdf.render(data)
        times = []
        for _ in range(args.renders):
            started = time.perf_counter()
            pdf.render(data)
            times.append((time.perf_counter() - started) * 1000)
    scratch.cleanup()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"first render (cold): {first_ms:.0f} ms, {first.pages} page(s), {len(first.data)} bytes")
    median = statistics.median(times)
    print(f"{args.renders} warm renders: median {median:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
