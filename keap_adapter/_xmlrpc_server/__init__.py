"""Keap's XML-RPC server rules, written once for everything here that answers as Keap does.

Two things in this package play the server side of Keap's XML-RPC API: the fake
(``keap_adapter.testing.FakeKeap``), over its in-memory store, and the legacy shim
(``keap_adapter.legacy.ServerProxy``), over the facade. Both answer by the rules below,
each over its own storage:

- ``_faults``: Keap's faults, ``[Tag]message`` with the tag's code.
- ``_signatures``: the Java signatures calls must fit, or fault ``No method matching``.
- ``_values``: query matching, ordering, paging, selected fields, Contact column values.
- ``_schema``: the ContactGroup, ContactGroupAssign, ContactGroupCategory and DataForm*
  columns and their write rules.
- ``_table``: :class:`Table`, the small interface a storage implements per table.
- ``_services``: the DataService and ContactService handlers, written once over tables.
- ``_surroundings``: ``addCustomField``, ``updateCustomField`` and APIEmailService, written
  once over :class:`~._surroundings.Surroundings`.

Dependencies point one way: the fake and the shim import this package; it imports
neither of them, and from the client side only the codec's fault-code table.
"""

from __future__ import annotations
