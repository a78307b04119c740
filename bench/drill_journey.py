"""One person's journey through the portal for the production drill (bench/topology.py), over
HTTP like a browser: the owner registers, claims a permit, fills and submits the C of O
application with an upload, requests the inspections and pays the fee; a staff member (with
the second factor) accepts the application, schedules the visits, records them passed,
records the fire bureau's visit and issues the certificate; the owner downloads it and the
public verify page finds it.

Forms are filled the way a browser fills them: the page is fetched, its form's fields are
read with their values (hidden ones included: CSRF token, record version), the person's
answers replace some, and the button pressed is sent. A refused connection, a 503 "try
again" page or a 429 is answered by waiting and sending the same request again (what the
503 page's Try again button does); every such failure is counted by kind.
"""

import hashlib
import json
import re
import secrets
import time
from email import message_from_bytes
from html.parser import HTMLParser
from itertools import count
from typing import Any

import pyotp
import requests
import stripe

PASSWORD = "drill-password-2026-long"  # noqa: S105 - the drill's own accounts
WEBHOOK_SECRET = "whsec_drill_topology"  # noqa: S105 - a throwaway secret for a local drill
COFO_FEE_CENTS = 12000
# The inspections a permit whose scope is electrical requires (inspections.catalogue): two
# the department schedules, the building C of O visit (which draws the fee), and the fire
# bureau's, which books itself and whose result staff record.
DEPARTMENT_INSPECTIONS = (
    "Rough electrical",
    "Final electrical",
    "Certificate of Occupancy (Department of Buildings)",
)
FIRE_INSPECTION = "Certificate of Occupancy (Fire Prevention Bureau)"


# An answer that picks a group's first option: the best result a visit can have ("Passed"
# for a trade inspection, "Granted and fully completed" for a C of O one).
FIRST_CHOICE = object()


class JourneyFailed(Exception):
    pass


class Form:
    def __init__(self, action: str, method: str, enctype: str) -> None:
        self.action, self.method, self.enctype = action, method, enctype
        self.fields: list[tuple[str, str]] = []
        # Every checkbox's and radio button's value by name, checked or not.
        self.choices: dict[str, list[str]] = {}
        self.buttons: list[tuple[str | None, str | None, str]] = []


class _FormParser(HTMLParser):
    """The page's forms: each field's name and current value, as a browser would send them,
    and each submit button (name, value, its words)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._option: str | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._button: tuple[str | None, str | None, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("action", ""), a.get("method", "get").lower(), a.get("enctype", "")
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and "name" in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self._form.choices.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form.fields.append((a["name"], a.get("value", "on")))
            elif kind == "submit":
                self._form.buttons.append((a["name"], a.get("value", ""), a.get("value", "")))
            elif kind != "file":
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a:
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            self._option = a.get("value", "")
            self._select[1].append(self._option)
            if "selected" in a:
                self._select[2].append(self._option)
        elif tag == "textarea" and "name" in a:
            self._textarea = (a["name"], [])
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = (a.get("name"), a.get("value"), [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._button is not None:
            self._button[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            name, options, chosen = self._select
            value = (chosen or options[:1] or [""])[0]
            self._form.fields.append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append(
                (self._textarea[0], _textarea_value("".join(self._textarea[1])))
            )
            self._textarea = None
        elif tag == "button" and self._button is not None:
            name, value, words = self._button
            self._form.buttons.append((name, value, " ".join("".join(words).split())))
            self._button = None
        elif tag == "form":
            self._form = None


def _textarea_value(text: str) -> str:
    # HTML drops the one line break that follows <textarea>.
    return text[2:] if text.startswith("\r\n") else text.removeprefix("\n")


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Browser:
    """A requests session that alternates between the drill's two web processes (round robin),
    retrying what a person would retry, and counting every failure by kind."""

    turn = count()

    def __init__(self, drill) -> None:
        self.drill = drill
        self.session = requests.Session()

    def request(
        self, method: str, path: str, expect=(200, 302, 303), **kwargs
    ) -> requests.Response:
        for _attempt in range(40):
            port = self.drill.web_ports[next(self.turn) % 2]
            url = path if path.startswith("http") else f"http://127.0.0.1:{port}{path}"
            try:
                response = self.session.request(
                    method, url, timeout=60, allow_redirects=False, **kwargs
                )
            except requests.ConnectionError:
                self.drill.log.failure(f"{method} {path}: connection refused, retried")
                time.sleep(0.5)
                continue
            if response.status_code in expect:
                return response
            self.drill.log.failure(f"{method} {path}: {describe(response)}, retried")
            time.sleep(_pause(response))
        raise JourneyFailed(f"{method} {path} never answered")

    def page(self, path: str) -> str:
        return self.request("GET", path, expect=(200,)).text

    def submit(
        self,
        path: str,
        button: str,
        answers: dict[str, Any] | None = None,
        expect=(302, 303),
        files=None,
    ) -> requests.Response:
        """Open the page, fill the form whose button reads `button` and press it. A list
        answers a group of checkboxes."""
        form, pressed = _form_with_button(self.page(path), button, path)
        fields = list(form.fields)
        for name, value in (answers or {}).items():
            if value is FIRST_CHOICE:
                value = form.choices[name][0]
            fields = [(n, v) for n, v in fields if n != name]
            fields.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        if pressed[0]:
            fields.append((pressed[0], pressed[1] or ""))
        try:
            return self.request(
                "POST", form.action or path, expect=expect, data=fields, files=files
            )
        except JourneyFailed as error:
            sent = [(n, v[:20]) for n, v in fields if n != "csrf_token" and v]
            raise JourneyFailed(f"{error} (sent {sent})") from error


def _form_with_button(html: str, button: str, path: str) -> tuple[Form, tuple]:
    for form in forms_of(html):
        for pressed in form.buttons:
            if pressed[2] == button or pressed[2].startswith(f"{button} "):
                return form, pressed
    raise JourneyFailed(f"no button {button!r} on {path}")


def describe(response: requests.Response) -> str:
    """A failed answer's kind, for the report."""
    status = response.status_code
    if status == 503 and "could not reach its records" in response.text:
        return f"503 database unreachable (Retry-After {response.headers.get('Retry-After')})"
    if status == 503 and "The service is busy" in response.text:
        return "503 database busy"
    if status == 503:
        return "503 file store unavailable"
    if status == 429:
        return "429 rate limited"
    summary = re.search(r'id="error-summary".*?</div>\s*</div>', response.text, re.S)
    if summary:
        words = " ".join(re.sub(r"<[^>]+>", " ", summary.group(0)).split())
        return f"{status} form refused: {words[:160]}"
    alert = re.search(
        r"usa-alert--(?:error|warning)[^>]*>(.*?)</div>\s*</div>", response.text, re.S
    )
    if alert:
        return f"{status}: {' '.join(re.sub(r'<[^>]+>', ' ', alert.group(1)).split())[:160]}"
    return str(status)


def _pause(response: requests.Response) -> float:
    # Honour Retry-After, within reason for a drill that compresses time.
    try:
        return min(float(response.headers.get("Retry-After", 1)), 5.0)
    except ValueError:
        return 1.0


class Journey:
    """One owner's permit from registration to a verified certificate, with the staff member
    who handles it."""

    def __init__(self, drill, n: int, permit_num: str, code: str, staff: dict) -> None:
        self.drill, self.n = drill, n
        self.permit_num, self.code, self.staff_account = permit_num, code, staff
        self.owner = Browser(drill)
        self.staff = Browser(drill)
        self.email = f"drill{n}-{secrets.token_hex(3)}@example.com"
        self.reached = "start"

    def step(self, name: str) -> None:
        self.reached = name

    def run(self) -> None:
        self.step("register")
        self.register()
        self.step("claim")
        permit_id = self.claim()
        self.step("application")
        self.apply(permit_id)
        self.step("review")
        application_id = self.accept(permit_id)
        self.step("inspections")
        self.inspections(permit_id)
        self.step("payment")
        self.pay(permit_id)
        self.step("certificate")
        number = self.issue(application_id)
        self.step("download")
        self.download(permit_id, number)
        self.step("verify")
        self.verify(number)
        self.step("done")

    # ---- the owner -------------------------------------------------------------------
    def register(self) -> None:
        self.owner.submit(
            "/account/register",
            "Create account",
            {
                "name": f"Drill Person {self.n}",
                "email": self.email,
                "phone": "312-555-0100",
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
        )
        self.owner.request("GET", self._verification_link())

    def claim(self) -> str:
        claimed = self.owner.submit(
            "/permits/claim",
            "Claim permit",
            {"permit_number": self.permit_num, "access_code": self.code},
        )
        return re.search(r"/permits/(\d+)", claimed.headers["Location"]).group(1)  # type: ignore[union-attr]

    def apply(self, permit_id: str) -> None:
        base = f"/permits/{permit_id}/application"
        self.owner.submit(base, "Start the application")
        self.upload(permit_id)
        self.owner.submit(
            f"{base}/building",
            "Save and continue",
            {
                "occupancy_groups": "R-2",
                "portion_of_building": "Entire building",
                "occupancy_load": "40",
                "floor_area_sq_ft": "7200",
                "non_residential_sq_ft": "0",
                "dwelling_units": "6",
                "sleeping_units": "0",
                "stories": "4",
                "construction_type": "VA",
                "sprinklered": "yes",
                "change_of_occupancy": "no",
                "certificate_type": "full",
            },
        )
        self.owner.submit(
            f"{base}/contacts",
            "Save and add another contact",
            {"role": "owner", "name": f"Drill Person {self.n}"},
        )
        self.owner.submit(
            f"{base}/contacts",
            "Save and continue",
            {"role": "architect", "name": "Ines Architect", "license_number": "AR-001234"},
        )
        self.owner.submit(
            f"{base}/attestations",
            "Save and continue",
            {
                "attest_owner_involved": "y",
                "attest_professionals": "y",
                "attest_permits_finaled": "y",
                "attest_true": "y",
            },
        )
        self.owner.submit(f"{base}/check", "Submit the application")

    def upload(self, permit_id: str) -> None:
        path = f"/permits/{permit_id}/application/documents"
        data = b"%PDF-1.7\n" + secrets.token_bytes(2048) + b"\n%%EOF\n"
        for _attempt in range(20):
            answer = self.owner.submit(
                path,
                "Upload and add more",
                {"document_type": "stamped_plans"},
                expect=(200, 302),
                files={"file": ("plans.pdf", data, "application/pdf")},
            )
            if answer.status_code == 302:
                break
            if "document store cannot be reached" in answer.text:
                self.drill.log.failure("upload: store unreachable message, form kept; retried")
                time.sleep(2)
                continue
            raise JourneyFailed("upload refused")
        else:
            raise JourneyFailed("upload never accepted")
        sha256 = hashlib.sha256(data).hexdigest()
        self.drill.uploads.append(sha256)
        document = re.search(rf"{path}/(\d+)", self.owner.page(path)).group(1)  # type: ignore[union-attr]
        download = self._until_ready(f"{path}/{document}")
        if hashlib.sha256(download.content).hexdigest() != sha256:
            raise JourneyFailed("downloaded document differs")

    def request_inspections(self, permit_id: str) -> list[str]:
        ids = []
        day = self.drill.visit_day(self.n)
        for name in DEPARTMENT_INSPECTIONS:
            choice = self._option_for(f"/permits/{permit_id}/inspections/request", name)
            answer = self.owner.submit(
                f"/permits/{permit_id}/inspections/request",
                "Send the request",
                {
                    "required_inspection": choice,
                    "preferred_date_1": day.isoformat(),
                    "window": "morning",
                    "contact_name": f"Drill Person {self.n}",
                    "contact_phone": "312-555-0100",
                    "confirm_present": "y",
                    "confirm_trades": "y",
                    "confirm_plans": "y",
                    "confirm_access": "y",
                    "confirm_equipment": "y",
                },
            )
            found = re.search(r"/inspections/(\d+)", answer.headers["Location"])
            if found is None:
                raise JourneyFailed(
                    f"request of {name}: no request in {answer.headers['Location']}"
                )
            ids.append(found.group(1))
        return ids

    def _option_for(self, path: str, label: str) -> str:
        html = self.owner.page(path)
        found = re.search(
            rf"<option value=\"(\d+)\"[^>]*>(?:[^<:]*: )?{re.escape(label)}\s*<", html
        )
        if found is None:
            raise JourneyFailed(f"no option {label!r} on {path}")
        return found.group(1)

    def pay(self, permit_id: str) -> None:
        fees = f"/permits/{permit_id}/fees"
        form, _ = _form_with_button(self.owner.page(fees), "Pay the selected fees", fees)
        started = self.owner.submit(
            fees, "Pay the selected fees", {"fees": form.choices.get("fees", [])}
        )
        checkout = started.headers["Location"]
        # The test checkout's "Pay $120.00" (test mode: no Stripe key).
        paid = self.owner.submit(checkout, "Pay")
        payment_id = re.search(r"/payments/(\d+)", paid.headers["Location"]).group(1)  # type: ignore[union-attr]
        self.drill.payments.append(payment_id)
        # Stripe's own delivery of the event, and its redelivery: the portal fulfils once.
        session = self.drill.checkout_session(payment_id)
        event = {
            "id": f"evt_drill_{secrets.token_hex(8)}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": session},
        }
        payload = json.dumps(event)
        for _copy in range(2):
            header = stripe.WebhookSignature.generate_signature_header(
                payload, WEBHOOK_SECRET, timestamp=int(time.time())
            )
            answer = self.owner.request(
                "POST",
                "/payments/stripe/webhook",
                expect=(200,),
                data=payload,
                headers={"Content-Type": "application/json", "Stripe-Signature": header},
            )
            self.drill.log.count(f"webhook {answer.json().get('outcome')}")
        receipt = self._until_ready(f"/permits/{permit_id}/payments/{payment_id}/receipt.pdf")
        if not receipt.content.startswith(b"%PDF"):
            raise JourneyFailed("the receipt is not a PDF")

    def download(self, permit_id: str, number: str) -> None:
        pdf = self._until_ready(f"/permits/{permit_id}/certificate/pdf")
        if not pdf.content.startswith(b"%PDF"):
            raise JourneyFailed("the certificate is not a PDF")
        self.drill.certificates[number] = hashlib.sha256(pdf.content).hexdigest()

    def verify(self, number: str) -> None:
        page = self.owner.page(f"/verify/{number}-V1")
        if "Valid certificate" not in page:
            raise JourneyFailed(f"/verify/{number}-V1 does not say valid")

    def _until_ready(self, path: str) -> requests.Response:
        """A file: a 503 (store down) or a page saying it is still being made is asked again,
        for at most two minutes."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            answer = self.owner.request("GET", path, expect=(200, 202, 503))
            if answer.status_code == 200 and answer.headers.get("Content-Type", "").startswith(
                "application/pdf"
            ):
                return answer
            self.drill.log.failure(f"GET {path}: {describe(answer)} (not ready), asked again")
            time.sleep(2)
        raise JourneyFailed(f"{path} not ready within 120 s")

    def _verification_link(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for raw in list(self.drill.sink.messages):
                message = message_from_bytes(raw)
                if message["To"] and self.email in message["To"]:
                    found = re.search(r"http://\S+/account/verify/\S+", _plain(message))
                    if found:
                        return found.group(0)
            time.sleep(0.5)
        raise JourneyFailed("no verification email within 120 s")

    # ---- staff -----------------------------------------------------------------------
    def sign_in_staff(self) -> None:
        self.staff.submit(
            "/account/sign-in",
            "Sign in",
            {"email": self.staff_account["email"], "password": PASSWORD},
        )
        totp = pyotp.TOTP(self.staff_account["secret"], interval=30)
        self.staff.submit("/account/sign-in/code", "Continue", {"code": totp.now()})

    def accept(self, permit_id: str) -> str:
        self.sign_in_staff()
        application_id = self.drill.application_of(permit_id)
        review = f"/staff/applications/{application_id}"
        self.staff.submit(review, "Start review")
        self.staff.submit(review, "Record the decision", {"decision": "accept"})
        return application_id

    def inspections(self, permit_id: str) -> None:
        requests_made = self.request_inspections(permit_id)
        day = self.drill.visit_day(self.n)
        for request_id in requests_made:
            self.staff.submit(
                f"/staff/inspections/{request_id}/schedule",
                "Schedule and email the applicant",
                {"day": day.isoformat(), "inspector": str(self.staff_account["id"])},
            )
        # The days between booking and the visit pass: the drill compresses them.
        self.drill.visit_day_comes(requests_made)
        for request_id in requests_made:
            self.staff.submit(
                f"/staff/inspections/{request_id}/result",
                "Record the result",
                {"result": FIRST_CHOICE},
            )
        required = self.drill.required_of(permit_id, FIRE_INSPECTION)
        self.staff.submit(
            f"/staff/permits/{permit_id}/required-inspections/{required}/agency-result",
            "Record the result",
            {"day": self.drill.today().isoformat(), "result": FIRST_CHOICE},
        )

    def issue(self, application_id: str) -> str:
        self.staff.submit(
            f"/staff/applications/{application_id}/certificate",
            "Issue the certificate",
            {
                "occupancy_load": "40",
                "portion_of_building": "Entire building",
                "confirm_owner_involved": "y",
                "confirm_professionals": "y",
                "confirm_records_finaled": "y",
            },
        )
        return self.drill.certificate_of(application_id)


def _plain(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""
