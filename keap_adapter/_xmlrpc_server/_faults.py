"""Keap's faults, built the way Keap writes them: ``[Tag]message`` with the tag's code.

The codes are the codec's table (``backends._xmlrpc_ops.FAULT_CODE_NAMES``) read backwards,
so the side that raises a fault and the side that classifies it use the same numbers. That
numbering is community-sourced (nateleavitt/infusionsoft ``exception_handler.rb``); Keap
publishes none.
"""

from __future__ import annotations

from xmlrpc.client import Fault

from ..backends._xmlrpc_ops import FAULT_CODE_NAMES

FAULT_CODES: dict[str, int] = {name: code for code, name in FAULT_CODE_NAMES.items()}


def fault(tag: str, message: str) -> Fault:
    """A Keap fault: the code of ``tag`` and the bracketed faultString."""
    return Fault(FAULT_CODES[tag], f"[{tag}]{message}")


def not_found() -> Fault:
    """Keap's exact answer for a missing record (novaksolutions/infusionsoft-php-sdk mocks)."""
    return fault("RecordNotFound", "Record was not found")


def no_field(table: str, name: object) -> Fault:
    """Keap's answer for a column the table does not have."""
    return fault("NoFieldFound", f"No field found: {table}.{name}")


def invalid(message: str) -> Fault:
    """An ``[InvalidParameter]`` fault (code 12), Keap's refusal of an input value."""
    return fault("InvalidParameter", message)


def read_only(table: str, name: str) -> Fault:
    """A write naming a column Keap keeps for itself (``Id``, ``DateCreated``...)."""
    return fault("NoFieldAccess", f"Field is read-only: {table}.{name}")


def denied(table: str, operation: str) -> Fault:
    """A write to a table Keap lets nobody write (``ContactGroupAssign``)."""
    return fault("NoTableAccess", f"Access denied to table {table} for {operation}")


def no_fields(table: str) -> Fault:
    """An add whose struct sets no column at all."""
    return fault("NoFields", f"No fields to add to {table}")


def no_table(name: str) -> Fault:
    """A table this server does not have."""
    return fault("NoTableFound", f"No table found: {name}")


def no_handler(method: str) -> Fault:
    """Keap's code-0 answer for a method it has no handler for."""
    return Fault(0, f"No such handler: {method}")
