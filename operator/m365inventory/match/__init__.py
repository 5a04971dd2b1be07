"""Pure matching of Microsoft tenants, users and devices to documented inventory.

Nothing here performs I/O or imports the rest of ``m365inventory``: each module takes small
frozen input records and returns frozen results, so the sync layer can plan from them and the
matching rules can be tested densely in isolation.

- ``normalise``: canonical forms of names, e-mail addresses, serial numbers and MAC addresses.
- ``suggestions``: the scored, evidenced suggestion shared by tenant and device matching.
- ``tenants``: tenant → Organization (exact name match, fuzzy and domain suggestions).
- ``contacts``: Microsoft user → Contact (alias → username → first + last name).
- ``devices``: Intune device → Configuration (serial → MAC → fuzzy name suggestions).
- ``compare``: which documented device fields differ from what Microsoft observes.
"""
