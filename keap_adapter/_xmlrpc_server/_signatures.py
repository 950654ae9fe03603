"""Keap's XML-RPC method signatures, key first, as its Java methods take them.

Exact types, so ``True`` is no int and ``"12"`` no id, and a wrong call gets Keap's
``No method matching arguments: java.lang.String, ...`` fault with faultCode 0, as users
reported it (nateleavitt/infusionsoft#76, infusionsoft/API-Sample-Code#6). Parameter lists
follow Keap's XML-RPC docs (ContactService, DataService, APIEmailService; the official PHP
SDK's ``Api/DataService.php`` for ``count``, ``addCustomField`` and ``updateCustomField``,
``Api/APIEmailService.php`` for the opt-in methods).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xmlrpc.client import Fault

STR, INT, BOOL, STRUCT, ARRAY = str, int, bool, dict, list
_QUERY = (STR, STR, INT, INT, STRUCT, ARRAY)
SIGNATURES: dict[str, tuple[tuple[type, ...], ...]] = {
    "ContactService.add": ((STR, STRUCT),),
    "ContactService.addWithDupCheck": ((STR, STRUCT, STR),),
    "ContactService.load": ((STR, INT, ARRAY),),
    "ContactService.update": ((STR, INT, STRUCT),),
    "ContactService.findByEmail": ((STR, STR, ARRAY),),
    "ContactService.addToGroup": ((STR, INT, INT),),
    "ContactService.removeFromGroup": ((STR, INT, INT),),
    "DataService.add": ((STR, STR, STRUCT),),
    "DataService.load": ((STR, STR, INT, ARRAY),),
    "DataService.update": ((STR, STR, INT, STRUCT),),
    "DataService.delete": ((STR, STR, INT),),
    "DataService.query": (_QUERY, (*_QUERY, STR), (*_QUERY, STR, BOOL)),
    "DataService.count": ((STR, STR, STRUCT),),
    "DataService.findByField": (
        (STR, STR, INT, INT, STR, STR, ARRAY),
        (STR, STR, INT, INT, STR, INT, ARRAY),
    ),
    # addCustomField(key, context, displayName, dataType, groupId) -> the new field's id;
    # updateCustomField(key, customFieldId, values) -> boolean.
    "DataService.addCustomField": ((STR, STR, STR, STR, INT),),
    "DataService.updateCustomField": ((STR, INT, STRUCT),),
    "APIEmailService.getOptStatus": ((STR, STR),),
    "APIEmailService.optIn": ((STR, STR, STR),),
    "APIEmailService.optOut": ((STR, STR, STR),),
}
# The DataService methods whose second parameter (after the key) is a table name.
TABLE_METHODS = frozenset(
    f"DataService.{name}"
    for name in ("add", "load", "update", "delete", "query", "count", "findByField")
)
_JAVA_TYPES = {
    str: "java.lang.String",
    int: "java.lang.Integer",
    bool: "java.lang.Boolean",
    float: "java.lang.Double",
    dict: "java.util.HashMap",
    list: "[Ljava.lang.Object;",
    datetime: "java.util.Date",
    bytes: "[B",
}


def fits(params: tuple[Any, ...], signature: tuple[type, ...]) -> bool:
    """Whether ``params`` have exactly the types of ``signature`` (a list stands for a tuple)."""
    return len(params) == len(signature) and all(
        type(p) is t or (t is STRUCT and isinstance(p, dict)) or (t is ARRAY and type(p) is tuple)
        for p, t in zip(params, signature, strict=True)
    )


def check_signature(method: str, params: tuple[Any, ...]) -> None:
    """Keap's ``No method matching arguments`` fault unless ``params`` fit ``method``."""
    if not any(fits(params, s) for s in SIGNATURES[method]):
        names = ", ".join(_JAVA_TYPES.get(type(p), type(p).__name__) for p in params)
        raise Fault(0, f"No method matching arguments: {names}")


def split_call(method: str, params: tuple[Any, ...]) -> tuple[Any, str | None, tuple[Any, ...]]:
    """Check ``params`` against ``method``; its key, its table (DataService's table
    methods) and the rest."""
    check_signature(method, params)
    if method in TABLE_METHODS:
        return params[0], params[1], params[2:]
    return params[0], None, params[1:]
