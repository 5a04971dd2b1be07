"""Microsoft's fixed identifiers the simulator reuses: SKUs, service plans, roles, permissions.

The GUIDs are Microsoft's published ones, so code that keys on a skuId or a role template id
behaves the same here as against a real tenant.
"""

from __future__ import annotations

from m365inventory.simulator.world import ServicePlan, Sku

EXCHANGE_ENTERPRISE = ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE")
EXCHANGE_STANDARD = ("9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD")
SHAREPOINT_ENTERPRISE = ("5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE")
AAD_PREMIUM_PLAN = ("41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM")
INTUNE_A = ("c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A")

_SKUS: list[tuple[str, str, int, list[tuple[str, str]]]] = [
    (
        "6fd2c87f-b296-42f0-b197-1e91e994b900",
        "ENTERPRISEPACK",
        50,
        [EXCHANGE_ENTERPRISE, SHAREPOINT_ENTERPRISE],
    ),
    (
        "05e9a617-0261-4cee-bb44-138d3ef5d965",
        "SPE_E3",
        25,
        [EXCHANGE_ENTERPRISE, SHAREPOINT_ENTERPRISE, AAD_PREMIUM_PLAN, INTUNE_A],
    ),
    (
        "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
        "O365_BUSINESS_PREMIUM",
        25,
        [EXCHANGE_STANDARD, SHAREPOINT_ENTERPRISE, INTUNE_A],
    ),
    ("4b9405b0-7788-4568-add1-99614e613b69", "EXCHANGESTANDARD", 10, [EXCHANGE_STANDARD]),
    (
        "f30db892-07e9-47e9-837c-80727f46fd3d",
        "FLOW_FREE",
        10000,
        [("50e68c76-46c6-4674-81f9-75456511b170", "FLOW_P2_VIRAL")],
    ),
]

#: SKUs the generator assigns to people.
USER_SKUS = [sku_id for sku_id, *_ in _SKUS[:4]]


def skus() -> list[Sku]:
    """A fresh copy of the tenant SKU list (units are per tenant and mutable)."""
    return [
        Sku(
            sku_id=sku_id,
            sku_part_number=part,
            enabled_units=units,
            service_plans=[
                ServicePlan(service_plan_id=plan_id, service_plan_name=plan)
                for plan_id, plan in plans
            ],
        )
        for sku_id, part, units, plans in _SKUS
    ]


#: Role template ids in a GDAP relationship (Directory Readers, Global Reader, Intune Admin).
GDAP_ROLES = (
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "3a2c62db-5318-420d-8d74-23affee5d9d5",
)

#: App roles the generated app is granted in every tenant (what admin consent produced).
APPLICATION_PERMISSIONS = (
    "User.Read.All",
    "Directory.Read.All",
    "Group.Read.All",
    "Organization.Read.All",
    "Domain.Read.All",
    "AuditLog.Read.All",
    "Reports.Read.All",
    "ReportSettings.Read.All",
    "DeviceManagementManagedDevices.Read.All",
    "BitlockerKey.Read.All",
    "DelegatedAdminRelationship.Read.All",
)

#: Delegated scopes a partner service account's tokens carry.
DELEGATED_SCOPES = (
    "User.Read.All",
    "Directory.Read.All",
    "Group.Read.All",
    "Organization.Read.All",
    "Reports.Read.All",
    "DeviceManagementManagedDevices.Read.All",
    "DelegatedAdminRelationship.Read.All",
)
