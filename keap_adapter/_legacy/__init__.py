"""The machinery behind :class:`keap_adapter.legacy.ServerProxy`.

Keap's server rules (faults, signatures, matching, ordering, paging, the generic
DataService and ContactService handlers) are ``keap_adapter._xmlrpc_server``, shared with
the fake. What is here is the shim's storage: ``_contacts`` and ``_tags`` implement the
Contact, ContactGroup and ContactGroupAssign tables as facade calls, ``_surroundings`` the
ContactGroupCategory and DataFormField tables, addCustomField and APIEmailService;
``_dispatch`` routes each call by the migration method map, ``_faults`` turns facade errors
into Keap's faults.
"""

from __future__ import annotations
