"""The site's menu: which items each kind of user sees, and which item a page belongs to.

One place for both, so the header (base.html) and the test that every page highlights one
item read the same table. Staff have many pages: their items are grouped in three USWDS
header menus (Work, Records, Admin) instead of one row of twelve links. A page belongs to the
item whose endpoint or section names it; a page under a permit that no item names belongs to
"My permits" for the permit's parties and to "Permits and people" for staff. The account items
(your account, sign out) sit outside the menus, in the header's secondary links for staff.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Item:
    endpoint: str
    label: str
    # The other pages this item stands for in the menu (a record of the list, its forms).
    section: tuple[str, ...] = ()
    admin_only: bool = False

    def matches(self, endpoint: str | None) -> str | None:
        """'page' on the item's own page, 'true' on a page of its section (aria-current)."""
        if endpoint == self.endpoint:
            return "page"
        return "true" if endpoint in self.section else None


@dataclass(frozen=True)
class Menu:
    key: str
    label: str
    items: tuple[Item, ...]


STAFF_MENUS = (
    Menu(
        "work",
        _l("Work queues"),
        (
            Item("admin.staff_home", _l("Staff home")),
            Item("applications.queue", _l("Applications"), ("applications.review",)),
            Item(
                "inspections.queue",
                _l("Inspections"),
                (
                    "inspections.schedule",
                    "inspections.result",
                    "inspections.day",
                    "inspections.required",
                    "inspections.agency_result",
                ),
            ),
            Item(
                "certificates.request_queue",
                _l("Occupancy requests"),
                ("certificates.staff_request",),
            ),
            Item(
                "certificates.staff_list",
                _l("Certificates"),
                (
                    "certificates.issued_list",
                    "certificates.staff_certificate",
                    "certificates.issue",
                ),
            ),
            Item("certificates.counter", _l("Pickups")),
            Item(
                "payments.staff_payments",
                _l("Payments"),
                ("payments.staff_payment", "payments.refund", "payments.counter_payment"),
            ),
        ),
    ),
    Menu(
        "records",
        _l("Records"),
        (
            Item("admin.search", _l("Permits and people"), ("admin.permit_record", "admin.person")),
            Item(
                "permits.exports",
                _l("Exports"),
                ("permits.export_status", "permits.export_permits", "permits.export_inspections"),
            ),
            Item("permits.import_permits", _l("Import permits"), ("permits.import_status",), True),
            Item("admin.audit_log", _l("Audit log"), admin_only=True),
        ),
    ),
    Menu(
        "admin",
        _l("Admin"),
        (
            Item("admin.users", _l("Staff accounts"), ("admin.new_user", "admin.user"), True),
            Item(
                "settings.index",
                _l("Settings"),
                (
                    "settings.contact_details",
                    "settings.holidays",
                    "settings.fees",
                    "settings.permit_types_page",
                    "settings.agency",
                    "settings.seal_page",
                ),
                True,
            ),
            Item("inspections.types", _l("Inspection types"), ("inspections.edit_type",), True),
            Item("certificates.hours", _l("Pickup hours"), admin_only=True),
            Item("admin.background_jobs", _l("Background jobs"), admin_only=True),
        ),
    ),
)

PUBLIC_ITEMS = (
    Item("applications.requirement_check", _l("Do I need a C of O?")),
    Item("permits.status_search", _l("Check a permit's status"), ("permits.status",)),
)
MY_PERMITS = Item("permits.home", _l("My permits"), ("permits.claim", "permits.invitation"))
ACCOUNT = Item("auth.profile", _l("Your account"), ("auth.change_password",))
SIGNED_OUT_ITEMS = (
    Item(
        "auth.sign_in",
        _l("Sign in"),
        (
            "auth.second_factor_step",
            "auth.recovery_code",
            "auth.forgot_password",
            "auth.reset_link_sent",
            "auth.reset_password",
        ),
    ),
    Item("auth.register", _l("Create an account"), ("auth.verify_email",)),
)
PERMITS_AND_PEOPLE = STAFF_MENUS[1].items[0]


@dataclass(frozen=True)
class Link:
    item: Item
    # The aria-current value: "page", "true" (a page of its section) or None.
    current: str | None


@dataclass(frozen=True)
class ShownMenu:
    key: str
    label: str
    links: tuple[Link, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


@dataclass(frozen=True)
class Navigation:
    menus: tuple[ShownMenu, ...]  # staff: the grouped menus
    links: tuple[Link, ...]  # everyone else: one row of links
    account: Link | None  # signed in: "Your account"

    @cached_property
    def key(self) -> tuple:
        """What the rendered menu depends on (besides the language): the layout renders
        the menu once per key (portal/fragments.py)."""
        every = [link for menu in self.menus for link in menu.links] + list(self.links)
        if self.account:
            every.append(self.account)
        return tuple((link.item.endpoint, link.current) for link in every) + (len(self.menus),)

    def current(self) -> list[Link]:
        every = [link for menu in self.menus for link in menu.links] + list(self.links)
        if self.account:
            every.append(self.account)
        return [link for link in every if link.current]


def _current(items, endpoint: str | None, fallback: Item | None) -> tuple[Item | None, str | None]:
    """The item the page belongs to and its aria-current value: one item at most."""
    for item in items:
        mark = item.matches(endpoint)
        if mark:
            return item, mark
    return (fallback, "true") if fallback is not None else (None, None)


def navigation(
    *, signed_in: bool, is_staff: bool, is_admin: bool, endpoint: str | None, view_args: Mapping
) -> Navigation:
    """The menu for this user on the page of this endpoint, with the current item marked."""
    account = Link(ACCOUNT, ACCOUNT.matches(endpoint)) if signed_in else None
    under_permit = ("permit_id" in view_args or "application_id" in view_args) and not (
        account and account.current
    )
    if is_staff:
        menus = [
            (menu, tuple(i for i in menu.items if is_admin or not i.admin_only))
            for menu in STAFF_MENUS
        ]
        every = [item for _, items in menus for item in items]
        here, mark = _current(every, endpoint, PERMITS_AND_PEOPLE if under_permit else None)
        shown = tuple(
            ShownMenu(
                menu.key,
                str(menu.label),
                tuple(Link(item, mark if item is here else None) for item in items),
            )
            for menu, items in menus
            if items
        )
        return Navigation(shown, (), account)
    items = PUBLIC_ITEMS + ((MY_PERMITS,) if signed_in else SIGNED_OUT_ITEMS)
    here, mark = _current(items, endpoint, MY_PERMITS if signed_in and under_permit else None)
    links = tuple(Link(item, mark if item is here else None) for item in items)
    return Navigation((), links, account)
