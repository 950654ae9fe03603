"""DataService's custom field methods and APIEmailService, written once over
:class:`Surroundings`.

Parameter lists and answers follow Keap's XML-RPC docs (DataService ``addCustomField``,
``updateCustomField``; APIEmailService ``getOptStatus``, ``optIn``, ``optOut``) and the
official PHP SDK (infusionsoft/infusionsoft-php ``Api/DataService.php``,
``Api/APIEmailService.php``). Each handler takes the storage's :class:`Surroundings`, the
storage, and the parameters after the key, already checked against the signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from ._faults import invalid, no_field, not_found, read_only
from ._schema import FIELD_FIELDS
from ._table import Row, S

Args = tuple[Any, ...]

# addCustomField's ``dataType`` names, as Keap's DataService docs list them.
ADD_FIELD_TYPES = (
    "Phone", "SSN", "Currency", "Percent", "State", "YesNo", "Year", "Month", "DayOfWeek",
    "Name", "DecimalNumber", "WholeNumber", "Date", "DateTime", "Text", "TextArea", "ListBox",
    "Website", "Email", "Radio", "Select", "User", "Drilldown",
)  # fmt: skip
# addCustomField's ``context`` values, as Keap's DataService docs list them.
FIELD_CONTEXTS = (
    "Contact", "Company", "Affiliate", "Task/Appt/Note", "Order", "Subscription", "Opportunity",
)  # fmt: skip
# What updateCustomField may change: the label and a list field's options (``Values``).
FIELD_UPDATES = frozenset({"Label", "Values"})
# getOptStatus answers: 0 not marketable (never opted in, opted out, bounced...), 1 single
# opt-in, 2 double opt-in (Keap's APIEmailService docs).
NOT_MARKETABLE, SINGLE_OPT_IN, DOUBLE_OPT_IN = 0, 1, 2


@dataclass(frozen=True)
class Surroundings(Generic[S]):
    """What the custom field and email status methods need, over storage ``S``.

    - ``add_field(s, context, label, data_type, group_id)``: a checked addCustomField;
      the new field's id, or a fault for what this storage cannot keep.
    - ``update_field(s, field_id, values)``: a checked ``{Label, Values}`` struct;
      ``False`` when there is no such field.
    - ``opt_status(s, email)``: 0, 1 or 2.
    - ``opt_in(s, email, reason)``, ``opt_out(...)``: whether the address now has the
      status asked for (Keap answers ``False`` to an API opt-in of an address opted out).
    """

    add_field: Callable[[S, str, str, str, int], int]
    update_field: Callable[[S, int, Row], bool]
    opt_status: Callable[[S, str], int]
    opt_in: Callable[[S, str, str], bool]
    opt_out: Callable[[S, str, str], bool]


def add_custom_field(surroundings: Surroundings[S], storage: S, args: Args) -> int:
    """``DataService.addCustomField(context, displayName, dataType, groupId)``: the id."""
    context, label, data_type, group_id = args
    if context not in FIELD_CONTEXTS:
        raise invalid(f"Invalid context: {context}")
    if not label.strip():
        raise invalid("displayName is required")
    if data_type not in ADD_FIELD_TYPES:
        raise invalid(f"Invalid dataType: {data_type}")
    if group_id < 1:  # Keap has no record with an id below 1
        raise not_found()
    return surroundings.add_field(storage, context, label, data_type, group_id)


def field_update(values: Row) -> Row:
    """An updateCustomField struct, checked as a DataFormField write."""
    for name, value in values.items():
        if name not in FIELD_FIELDS:
            raise no_field("DataFormField", name)
        if name not in FIELD_UPDATES:
            raise read_only("DataFormField", name)
        if not isinstance(value, str):
            raise invalid(f"Invalid value for DataFormField.{name}")
    if not str(values.get("Label", "-")).strip():
        raise invalid("Label is required")
    return values


def update_custom_field(surroundings: Surroundings[S], storage: S, args: Args) -> bool:
    """``DataService.updateCustomField(customFieldId, values)``: ``True``."""
    field_id, values = args
    checked = field_update(values)
    if field_id < 1 or not surroundings.update_field(storage, field_id, checked):
        raise not_found()
    return True


def get_opt_status(surroundings: Surroundings[S], storage: S, args: Args) -> int:
    """``APIEmailService.getOptStatus(email)``: 0, 1 or 2 (0 for an empty address)."""
    (email,) = args
    return surroundings.opt_status(storage, email.strip()) if email.strip() else NOT_MARKETABLE


def opt_in(surroundings: Surroundings[S], storage: S, args: Args) -> bool:
    """``APIEmailService.optIn(email, reason)``: whether the address is now opted in (an
    empty address never is)."""
    email, reason = args
    return bool(email.strip()) and surroundings.opt_in(storage, email.strip(), reason)


def opt_out(surroundings: Surroundings[S], storage: S, args: Args) -> bool:
    """``APIEmailService.optOut(email, reason)``: whether the address is now opted out."""
    email, reason = args
    return bool(email.strip()) and surroundings.opt_out(storage, email.strip(), reason)


SurroundingsMethod = Callable[[Surroundings[Any], Any, Args], Any]
SURROUNDINGS_SERVICE: dict[str, SurroundingsMethod] = {
    "DataService.addCustomField": add_custom_field,
    "DataService.updateCustomField": update_custom_field,
    "APIEmailService.getOptStatus": get_opt_status,
    "APIEmailService.optIn": opt_in,
    "APIEmailService.optOut": opt_out,
}
