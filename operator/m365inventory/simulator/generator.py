"""Seeded, deterministic generation of a World full of the cases that break real syncs.

Same arguments, same world, byte for byte: every id, name, serial and secret comes from one
`random.Random(seed)` and dates are offsets from a fixed epoch, never from the clock.
Hard cases planted on purpose (see docs/simulator.md): duplicate and placeholder serials, MACs
in four notations, users differing only by alias or only by UPN, namesakes, shared and
unlicensed mailboxes, a guest, accented and non-Latin names, a tenant without Entra ID P1,
a tenant with concealed report names, an expired GDAP relationship, and on request a tenant
with more than 2,000 users.
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime, timedelta

from m365inventory.simulator import catalog
from m365inventory.simulator.world import (
    App,
    AppSecret,
    AssignedLicense,
    Domain,
    GdapRelationship,
    Group,
    Mailbox,
    ManagedDevice,
    RecoveryKey,
    RefreshGrant,
    SignInActivity,
    Tenant,
    User,
    World,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
PLACEHOLDER_SERIALS = (
    "To Be Filled By O.E.M.",
    "0123456789",
    "Default string",
    "System Serial Number",
)

_FIRST = [
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Henry",
    "Isla",
    "Jack",
    "Karen",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Peter",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
]
_LAST = [
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hall",
    "Green",
    "Baker",
    "Hill",
    "Moore",
    "Clark",
    "Lewis",
    "Young",
]
# (given, surname, alias) for names that exercise Unicode handling in matching.
_INTERNATIONAL = [
    ("José", "Álvarez", "jose.alvarez"),
    ("Zoë", "Müller", "zoe.mueller"),
    ("Søren", "Kierkegård", "soren.kierkegard"),
    ("Ólafur", "Þórsson", "olafur"),
    ("伟", "李", "li.wei"),
    ("Дмитрий", "Иванов", "dmitry.ivanov"),
    ("François", "Lefèvre", "francois.lefevre"),
    ("محمد", "الفارسي", "m.alfarsi"),
]
_COMPANIES = [
    "Contoso",
    "Fabrikam",
    "Northwind Traders",
    "Tailspin Toys",
    "Adventure Works",
    "Woodgrove Bank",
    "Litware",
    "Proseware",
    "Wingtip Toys",
    "Coho Winery",
]
_CITIES = [
    ("1 Main St", "Seattle", "WA", "98052", "US", "United States"),
    ("10 Downing Rd", "London", None, "SW1A 2AA", "GB", "United Kingdom"),
    ("Königsallee 5", "Düsseldorf", "NRW", "40212", "DE", "Germany"),
    ("12 Rue de Rivoli", "Paris", None, "75001", "FR", "France"),
]
_MODELS = [
    ("Dell Inc.", "Latitude 7440", "Windows", "10.0.22631.4460"),
    ("LENOVO", "20XW0026US", "Windows", "10.0.26100.2314"),
    ("HP", "HP EliteBook 840 G9", "Windows", "10.0.22631.4391"),
    ("Apple", "MacBook Pro (14-inch, 2023)", "macOS", "14.6.1"),
    ("Apple", "iPhone 15", "iOS", "17.6.1"),
    ("samsung", "SM-G991B", "Android", "14"),
]


def generate_world(
    *,
    seed: int = 1,
    tenants: int = 3,
    users_per_tenant: int = 40,
    groups_per_tenant: int = 5,
    devices_per_tenant: int = 20,
    partner: bool = True,
    large_tenant_users: int = 0,
    without_intune: int = 0,
) -> World:
    """Build a deterministic world; `partner` adds an MSP tenant with GDAP to every customer.

    `without_intune` makes the last that many customers tenants without an Intune licence
    (no managed devices; Graph answers their managedDevices requests 400). Opt-in, so the
    default worlds of tests, demo and bench stay Intune-licensed.
    """
    gen = _Generator(random.Random(seed))
    customers = [
        gen.tenant(
            index=i,
            users=users_per_tenant,
            groups=groups_per_tenant,
            devices=devices_per_tenant,
        )
        for i in range(tenants)
    ]
    if large_tenant_users:
        customers.append(
            gen.tenant(index=len(customers), users=large_tenant_users, groups=2, devices=5)
        )
    for customer in customers[len(customers) - without_intune :] if without_intune else []:
        customer.intune_licensed = False
        customer.devices = []
    world = World(tenants=list(customers))
    home = customers[0] if customers else None
    if partner:
        msp = gen.partner_tenant(customers)
        world.tenants.insert(0, msp)
        home = msp
    if home is not None:
        world.apps.append(gen.app(home=home, tenants=world.tenants))
        if partner:
            world.refresh_grants.append(gen.refresh_grant(app=world.apps[0], home=home))
    return world


class _Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # ---- primitives --------------------------------------------------------------------
    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def when(self, *, days_back: int) -> str:
        moment = EPOCH - timedelta(seconds=self.rng.randrange(max(days_back, 1) * 86400))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def token(self, length: int) -> str:
        alphabet = string.ascii_letters + string.digits
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def serial(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self.rng.choice(alphabet) for _ in range(10))

    def mac(self, *, notation: int) -> str:
        octets = [self.rng.randrange(256) for _ in range(6)]
        hexes = [f"{o:02x}" for o in octets]
        if notation == 0:
            return ":".join(hexes)
        if notation == 1:
            return "-".join(hexes).upper()
        if notation == 2:
            joined = "".join(hexes)
            return ".".join(joined[i : i + 4] for i in range(0, 12, 4))
        return "".join(hexes).upper()

    # ---- tenants -----------------------------------------------------------------------
    def tenant(self, *, index: int, users: int, groups: int, devices: int) -> Tenant:
        company = _COMPANIES[index % len(_COMPANIES)]
        suffix = "" if index < len(_COMPANIES) else f" {index}"
        slug = company.lower().replace(" ", "") + (str(index) if suffix else "")
        street, city, state, postal, country_code, country = _CITIES[index % len(_CITIES)]
        tenant = Tenant(
            id=self.guid(),
            display_name=f"{company}{suffix} Ltd",
            created_date_time=self.when(days_back=2000),
            street=street,
            city=city,
            state=state,
            postal_code=postal,
            country_letter_code=country_code,
            country=country,
            business_phones=[f"+1 555 01{index:02d}"],
            technical_notification_mails=[f"it@{slug}.com"],
            has_entra_id_p1=index % 2 == 0,
            display_concealed_names=index % 3 == 1,
            domains=[
                Domain(id=f"{slug}.onmicrosoft.com", is_initial=True),
                Domain(id=f"{slug}.com", is_default=True),
            ],
            skus=catalog.skus(),
        )
        self.populate_users(tenant, count=users)
        self.populate_groups(tenant, count=groups)
        self.populate_devices(tenant, count=devices)
        return tenant

    def partner_tenant(self, customers: list[Tenant]) -> Tenant:
        msp = Tenant(
            id=self.guid(),
            display_name="Sim MSP Partners",
            street="100 Partner Way",
            city="Redmond",
            state="WA",
            postal_code="98052",
            country_letter_code="US",
            country="United States",
            has_entra_id_p1=True,
            domains=[
                Domain(id="simmsp.onmicrosoft.com", is_initial=True),
                Domain(id="simmsp.com", is_default=True),
            ],
            skus=catalog.skus(),
        )
        self.populate_users(msp, count=4)
        for number, customer in enumerate(customers):
            msp.relationships.append(self.relationship(customer, status="active", n=number))
        if customers:
            msp.relationships.append(self.relationship(customers[0], status="expired", n=99))
        return msp

    def relationship(self, customer: Tenant, *, status: str, n: int) -> GdapRelationship:
        return GdapRelationship(
            id=f"{self.guid()}-{self.guid()}",
            display_name=f"MSP-GDAP-{n:02d}",
            customer_tenant_id=customer.id,
            status=status,
            end_date_time="2025-06-01T00:00:00Z" if status == "expired" else "2027-06-01T00:00:00Z",
            role_definition_ids=list(catalog.GDAP_ROLES),
        )

    # ---- users -------------------------------------------------------------------------
    def populate_users(self, tenant: Tenant, *, count: int) -> None:
        domain = tenant.default_domain
        initial = next(d.id for d in tenant.domains if d.is_initial)
        specials = self.special_users(domain=domain, initial=initial)
        for index in range(count):
            if index < len(specials) and count >= 12:
                user = specials[index]
            else:
                given = self.rng.choice(_FIRST)
                surname = self.rng.choice(_LAST)
                alias = f"{given}.{surname}{index}".lower()
                user = self.person(given=given, surname=surname, alias=alias, domain=domain)
            tenant.users.append(user)
        self.add_mailboxes(tenant)

    def special_users(self, *, domain: str, initial: str) -> list[User]:
        users = [
            self.person(given="John", surname="Smith", alias="john.smith", domain=domain),
            self.person(given="John", surname="Smith", alias="john.smith2", domain=domain),
            self.person(given="Mary", surname="Major", alias="mary.major", domain=domain),
            # Same person facts, differs only by UPN (one on the initial domain).
            self.person(given="Mary", surname="Major", alias="mary.major", domain=initial),
            # Same UPN domain and names, differs only by alias.
            self.person(given="Alex", surname="Wilber", alias="alexw", domain=domain),
            self.person(given="Alex", surname="Wilber", alias="alex.wilber", domain=domain),
            self.shared(name="Info", alias="info", domain=domain),
            self.shared(name="Support Desk", alias="support", domain=domain),
            self.guest(domain=initial),
        ]
        for given, surname, alias in _INTERNATIONAL[:3]:
            users.append(self.person(given=given, surname=surname, alias=alias, domain=domain))
        unlicensed = self.person(given="Temp", surname="Contractor", alias="temp", domain=domain)
        unlicensed.assigned_licenses = []
        users.append(unlicensed)
        for given, surname, alias in _INTERNATIONAL[3:]:
            users.append(self.person(given=given, surname=surname, alias=alias, domain=domain))
        return users

    def person(self, *, given: str, surname: str, alias: str, domain: str) -> User:
        upn = f"{alias}@{domain}"
        sku = self.rng.choice(catalog.USER_SKUS)
        return User(
            id=self.guid(),
            display_name=f"{given} {surname}",
            given_name=given,
            surname=surname,
            user_principal_name=upn,
            mail=upn,
            mail_nickname=alias,
            proxy_addresses=[f"SMTP:{upn}", f"smtp:{alias}@{domain.split('.')[0]}.onmicrosoft.com"],
            other_mails=[],
            account_enabled=self.rng.random() > 0.1,
            assigned_licenses=[AssignedLicense(sku_id=sku)],
            last_password_change_date_time=self.when(days_back=400),
            created_date_time=self.when(days_back=1500),
            job_title=self.rng.choice([None, "Engineer", "Accountant", "Manager", "Director"]),
            mobile_phone=f"+1 425 555 {self.rng.randrange(10000):04d}",
            business_phones=[f"+1 425 555 {self.rng.randrange(10000):04d}"],
            office_location=self.rng.choice([None, "HQ", "Building 2"]),
            preferred_language="en-US",
            sign_in_activity=SignInActivity(
                last_sign_in_date_time=self.when(days_back=60),
                last_sign_in_request_id=self.guid(),
                last_non_interactive_sign_in_date_time=self.when(days_back=10),
                last_non_interactive_sign_in_request_id=self.guid(),
                last_successful_sign_in_date_time=self.when(days_back=60),
                last_successful_sign_in_request_id=self.guid(),
            ),
        )

    def shared(self, *, name: str, alias: str, domain: str) -> User:
        upn = f"{alias}@{domain}"
        return User(
            id=self.guid(),
            display_name=name,
            user_principal_name=upn,
            mail=upn,
            mail_nickname=alias,
            proxy_addresses=[f"SMTP:{upn}"],
            account_enabled=False,
            created_date_time=self.when(days_back=1500),
            mailbox=Mailbox(recipient_type="Shared", item_count=self.rng.randrange(100, 9000)),
        )

    def guest(self, *, domain: str) -> User:
        return User(
            id=self.guid(),
            display_name="Pat External",
            given_name="Pat",
            surname="External",
            user_principal_name=f"pat_partner.example#EXT#@{domain}",
            mail="pat@partner.example",
            mail_nickname="pat_partner.example#EXT#",
            other_mails=["pat@partner.example"],
            user_type="Guest",
            created_date_time=self.when(days_back=300),
        )

    def add_mailboxes(self, tenant: Tenant) -> None:
        for user in tenant.users:
            if user.mailbox is None and user.assigned_licenses and user.user_type == "Member":
                user.mailbox = Mailbox(
                    item_count=self.rng.randrange(10, 50000),
                    storage_used_bytes=self.rng.randrange(10**6, 50 * 10**9),
                    deleted_item_count=self.rng.randrange(0, 500),
                    deleted_item_size_bytes=self.rng.randrange(0, 10**8),
                    has_archive=self.rng.random() < 0.2,
                    last_activity_date=self.when(days_back=30)[:10],
                )
            elif user.mailbox is not None:
                user.mailbox.storage_used_bytes = self.rng.randrange(10**6, 10**9)

    # ---- groups ------------------------------------------------------------------------
    def populate_groups(self, tenant: Tenant, *, count: int) -> None:
        names = ["All Staff", "Finance", "Engineering", "Sales", "IT Admins", "Project Phoenix"]
        members = [u.id for u in tenant.users if u.user_type == "Member"]
        for index in range(count):
            name = names[index % len(names)] + ("" if index < len(names) else f" {index}")
            unified = index % 2 == 0
            nickname = name.lower().replace(" ", "")
            tenant.groups.append(
                Group(
                    id=self.guid(),
                    display_name=name,
                    description=f"{name} group",
                    mail=f"{nickname}@{tenant.default_domain}" if unified else None,
                    mail_enabled=unified,
                    mail_nickname=nickname,
                    security_enabled=not unified,
                    group_types=["Unified"] if unified else [],
                    created_date_time=self.when(days_back=900),
                    visibility="Private" if unified else None,
                    members=self.rng.sample(members, k=min(len(members), 3 + index * 2)),
                )
            )

    # ---- devices -----------------------------------------------------------------------
    def populate_devices(self, tenant: Tenant, *, count: int) -> None:
        owners = [u for u in tenant.users if u.user_type == "Member" and u.assigned_licenses]
        previous_serial = ""
        for index in range(count):
            maker, model, system, version = _MODELS[index % len(_MODELS)]
            if index % 7 == 3:
                serial = PLACEHOLDER_SERIALS[(index // 7) % len(PLACEHOLDER_SERIALS)]
            elif index % 9 == 8 and previous_serial:
                serial = previous_serial
            else:
                serial = self.serial()
            previous_serial = serial
            owner = self.rng.choice(owners) if owners and index % 6 != 5 else None
            prefix = "DESKTOP" if system == "Windows" else system.upper()
            device = ManagedDevice(
                id=self.guid(),
                device_name=f"{prefix}-{self.token(7).upper()}",
                user_id=owner.id if owner else "",
                user_principal_name=owner.user_principal_name if owner else "",
                user_display_name=(owner.display_name or "") if owner else "",
                email_address=(owner.mail or "") if owner else "",
                azure_ad_device_id=self.guid(),
                operating_system=system,
                os_version=version,
                manufacturer=maker,
                model=model,
                serial_number=serial,
                wi_fi_mac_address=self.mac(notation=index % 4),
                ethernet_mac_address=self.mac(notation=(index + 1) % 4)
                if system != "iOS"
                else None,
                imei=""
                if system in ("Windows", "macOS")
                else f"35{self.rng.randrange(10**13):013d}",
                compliance_state=self.rng.choice(
                    ["compliant", "compliant", "noncompliant", "unknown"]
                ),
                enrolled_date_time=self.when(days_back=700),
                last_sync_date_time=self.when(days_back=14),
                is_encrypted=system == "Windows",
                total_storage_space_in_bytes=256 * 10**9,
                free_storage_space_in_bytes=self.rng.randrange(10**9, 200 * 10**9),
            )
            tenant.devices.append(device)
            if system == "Windows":
                for volume in ["operatingSystemVolume", "fixedDataVolume"][: 1 + index % 2]:
                    tenant.recovery_keys.append(self.recovery_key(device=device, volume=volume))

    def recovery_key(self, *, device: ManagedDevice, volume: str) -> RecoveryKey:
        groups = [f"{self.rng.randrange(1000000):06d}" for _ in range(8)]
        return RecoveryKey(
            id=self.guid(),
            created_date_time=self.when(days_back=500),
            device_id=device.azure_ad_device_id,
            volume_type=volume,
            key="-".join(groups),
        )

    # ---- apps and credentials ----------------------------------------------------------
    def app(self, *, home: Tenant, tenants: list[Tenant]) -> App:
        return App(
            client_id=self.guid(),
            display_name="M365 Inventory (simulated)",
            home_tenant_id=home.id,
            secrets=[AppSecret(value=f"sim~{self.token(36)}")],
            grants={t.id: list(catalog.APPLICATION_PERMISSIONS) for t in tenants},
            delegated_scopes=list(catalog.DELEGATED_SCOPES),
        )

    def refresh_grant(self, *, app: App, home: Tenant) -> RefreshGrant:
        account = home.users[0]
        return RefreshGrant(
            refresh_token=f"1.Sim{self.token(120)}",
            client_id=app.client_id,
            home_tenant_id=home.id,
            user_id=account.id,
            user_principal_name=account.user_principal_name,
        )
