"""The machinery behind :class:`keap_adapter.legacy.ServerProxy`.

``_dispatch`` routes one XML-RPC call to a handler; ``_contacts`` and ``_tags`` translate the
Contact, ContactGroup and ContactGroupAssign tables into facade calls; ``_values`` holds
Keap's query semantics (``%``, ``~null~``, ordering); ``_faults`` builds Keap's faults.
"""

from __future__ import annotations
