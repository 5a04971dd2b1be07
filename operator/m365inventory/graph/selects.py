"""The ``$select`` list of every entity the client lists, derived from the Graph models.

Always selecting explicitly keeps answers small and stable; deriving the lists from the model
aliases means a field added to a model is fetched without a second edit.
"""

from __future__ import annotations

from m365inventory.model import graph as model

ORGANIZATION = model.select_of(model.Organization)
DOMAIN = model.select_of(model.Domain)
USER = model.select_of(model.User)
USER_WITH_SIGN_IN = (*USER, "signInActivity")
GROUP = model.select_of(model.Group)
MEMBER = model.select_of(model.DirectoryObject)
SUBSCRIBED_SKU = model.select_of(model.SubscribedSku)
MANAGED_DEVICE = model.select_of(model.ManagedDevice)
DEVICE_ETHERNET = ("id", "ethernetMacAddress")
BITLOCKER_KEY = model.select_of(model.BitlockerRecoveryKey)
BITLOCKER_KEY_VALUE = ("id", "key")
DELEGATED_ADMIN_CUSTOMER = model.select_of(model.DelegatedAdminCustomer)
APPLICATION = model.select_of(model.Application)
DELEGATED_ADMIN_RELATIONSHIP = model.select_of(model.DelegatedAdminRelationship)
