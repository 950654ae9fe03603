"""Verdicts that look at the columns a call names: covered, partial, not covered."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from keap_adapter.backends._fields import CONTACT_FIELDS, READ_ONLY
from keap_adapter.migration._audit import audit_path, scan_source
from keap_adapter.migration._audit_columns import (
    NO_EMAIL,
    NO_WAY_TO_REACH,
    TAG_COLUMNS,
    other_context,
    translatable,
)
from keap_adapter.migration._audit_render import render_text

# Real Keap Contact columns with no REST v2 field: untranslatable whatever the field table holds.
NO_FIELD = ("Username", "Password", "Validated")


def verdicts(source: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, verdict, untranslatable columns) of each call site."""
    return [(c.line, c.verdict, c.columns) for c in scan_source(textwrap.dedent(source), "a.py")]


def test_struct_keys() -> None:
    assert verdicts("""\
        s.ContactService.add(K, {"Email": "a@b", "Username": "a", "_Shoe": 9})
        s.ContactService.update(K, 1, {"Email": "a@b", "Password": "x"})
        s.ContactService.addWithDupCheck(K, {"Email": "a@b"}, "Email")
        s.DataService.add(K, "Contact", dict(Phone1="555", Validated=1))
        s.DataService.update(K, "Contact", 1, {"LastName": "B", **extra})
        s.ContactService.add(K, data)
        """) == [
        (1, "partial", ("Username",)),  # _Shoe: custom fields are assumed translatable
        (2, "partial", ("Password",)),
        (3, "covered", ()),
        (4, "partial", ("Validated",)),
        (5, "covered", ()),
        (6, "covered", ()),  # not a literal: nothing to judge
    ]


def test_selected_fields_order_by_and_query_keys() -> None:
    assert verdicts("""\
        s.ContactService.load(K, 1, ["Id", "Username"])
        s.ContactService.findByEmail(K, "a@b", ("Id", "Password"))
        s.DataService.load(K, "Contact", 1, ["Validated"])
        s.DataService.query(K, "Contact", 10, 0, {"Username": "%"}, ["Id"], "Password", True)
        s.DataService.count(K, "Contact", {"Validated": 1, "Email": "%"})
        s.DataService.findByField(K, "Contact", 10, 0, "Username", "ada", ["Id", "Password"])
        """) == [
        (1, "partial", ("Username",)),
        (2, "partial", ("Password",)),
        (3, "partial", ("Validated",)),
        (4, "partial", ("Username", "Password")),
        (5, "partial", ("Validated",)),
        (6, "partial", ("Username", "Password")),
    ]


def test_names_bound_once_to_a_literal() -> None:
    assert verdicts("""\
        FIELDS = ["Id", "Username"]
        TWICE = ["Id"]
        TWICE = ["Password"]
        s.ContactService.load(K, 1, FIELDS)
        s.ContactService.load(K, 1, TWICE)
        def job():
            wanted = ("Id", "Validated")
            query = {"Password": "%"}
            order = "Username"
            return s.DataService.query(K, "Contact", 10, 0, query, wanted, order)
        def param(FIELDS):
            return s.ContactService.load(K, 1, FIELDS)
        """) == [
        (4, "partial", ("Username",)),
        (5, "covered", ()),  # bound twice: not followed
        (10, "partial", ("Password", "Validated", "Username")),
        (12, "covered", ()),  # the parameter shadows the module list
    ]


def test_keyless_wrappers_and_styles() -> None:
    assert verdicts("""\
        infusionsoft.ContactService.load(5, ["Id", "Username"])
        infusionsoft.ContactService.add({"Email": "a@b", "Password": "x"})
        infusionsoft.DataService.query("Contact", 10, 0, {}, ["Validated"])
        ifs.ContactService("add", {"City": "Paris", "Username": "a"})
        ifs.DataService("query", "Contact", 10, 0, {}, ["Password"])
        server._ServerProxy__request("ContactService.add", (K, {"Email": "e", "Username": "a"}))
        getattr(server, "ContactService.load")(K, 1, ["Password"])
        call("ContactService.load", K, 1, ["Validated"])
        xmlrpc.client.dumps((K, "Contact", 1, ["Username"]), "DataService.load")
        """) == [
        (1, "partial", ("Username",)),
        (2, "partial", ("Password",)),
        (3, "partial", ("Validated",)),
        (4, "partial", ("Username",)),
        (5, "partial", ("Password",)),
        (6, "partial", ("Username",)),
        (7, "partial", ("Password",)),
        (8, "partial", ("Validated",)),
        (9, "partial", ("Username",)),
    ]


def test_arguments_the_audit_cannot_place_name_nothing() -> None:
    assert verdicts("""\
        s.ContactService.load(*args)
        s.ContactService.load(K, *rest)
        s.ContactService.load(K, 1, ["Username"], extra)
        """) == [(1, "covered", ()), (2, "covered", ()), (3, "covered", ())]


def test_tag_tables() -> None:
    assert verdicts("""\
        s.DataService.query(K, "ContactGroup", 10, 0, {"GroupName": "%"}, ["Id", "CategoryName"])
        s.DataService.add(K, "ContactGroup", {"GroupName": "VIP", "GroupCategoryId": 3})
        s.DataService.query(K, "ContactGroupAssign", 10, 0, {"GroupId": 3}, ["Contact.Email"])
        s.DataService.query(K, "ContactGroupAssign", 10, 0, {"ContactId": 3}, ["DateCreated"])
        """) == [
        (1, "partial", ("CategoryName",)),
        (2, "covered", ()),
        (3, "covered", ()),
        (4, "partial", ("DateCreated",)),  # the shim answers [NotTranslated] for it
    ]


def test_calls_the_shim_does_not_run_are_not_partial() -> None:
    assert verdicts("""\
        s.DataService.query(K, "Invoice", 10, 0, {}, ["Username"])
        s.ContactService.merge(K, 1, 2)
        s.DataService.update(K, "ContactGroupAssign", 1, {"Username": "x"})
        """) == [(1, "not covered", ()), (2, "not covered", ()), (3, "not covered", ())]


@pytest.mark.parametrize("column", CONTACT_FIELDS)
def test_every_field_table_column_is_translatable(column: str) -> None:
    assert translatable("Contact", column)


def test_what_is_not_translatable() -> None:
    assert not any(translatable("Contact", c) for c in (*NO_FIELD, "_", "Emial"))
    assert translatable("Contact", "_Anything")
    assert not translatable("ContactGroupAssign", "DateCreated")
    assert not translatable("Invoice", "Id")
    assert TAG_COLUMNS["ContactGroup"] == {"Id", "GroupName", "GroupDescription", "GroupCategoryId"}


def test_a_new_contact_the_shim_would_refuse_is_partial() -> None:
    # REST v2 needs an email, phone or address to create a contact; an upsert needs Email.
    assert verdicts("""\
        s.ContactService.add(K, {"FirstName": "A"})
        s.DataService.add(K, "Contact", {})
        s.ContactService.addWithDupCheck(K, {"Phone1": "555"}, "Email")
        s.ContactService.add(K, {"Phone2": "555"})
        s.DataService.add(K, "ContactGroup", {"GroupName": "VIP"})
        s.ContactService.add(K, data)
        """) == [
        (1, "partial", (NO_WAY_TO_REACH,)),
        (2, "partial", (NO_WAY_TO_REACH,)),
        (3, "partial", (NO_EMAIL,)),
        (4, "covered", ()),
        (5, "covered", ()),
        (6, "covered", ()),  # a variable: not seen, so not judged
    ]


@pytest.mark.parametrize("column", sorted(READ_ONLY))
def test_a_struct_writing_a_read_only_contact_column_is_partial(column: str) -> None:
    # The shim refuses each ([NoFieldAccess] or [NotTranslated]): REST v2 only reads them.
    assert verdicts(f"""\
        s.ContactService.add(K, {{"Email": "a@example.com", "{column}": 7}})
        s.ContactService.update(K, 1, {{"{column}": 7}})
        s.ContactService.addWithDupCheck(K, {{"Email": "a@example.com", "{column}": 7}}, "Email")
        s.DataService.add(K, "Contact", {{"Email": "a@example.com", "{column}": 7}})
        s.DataService.update(K, "Contact", 1, {{"{column}": 7}})
        s.ContactService.load(K, 1, ["{column}"])
        s.DataService.query(K, "Contact", 10, 0, {{"{column}": 7}}, ["Id"], "{column}")
        """) == [
        (1, "partial", (column,)),
        (2, "partial", (column,)),
        (3, "partial", (column,)),
        (4, "partial", (column,)),
        (5, "partial", (column,)),
        (6, "covered", ()),  # read: the facade has every one of them
        (7, "covered", ()),
    ]


def test_add_custom_field_to_another_context_is_partial() -> None:
    assert verdicts("""\
        s.DataService.addCustomField(K, "Contact", "Shoe size", "Text", 1)
        s.DataService.addCustomField(K, "Company", "Size", "Text", 2)
        ifs.DataService("addCustomField", "Opportunity", "Stage", "Text", 0)
        infusionsoft.DataService.addCustomField("Company", "Size", "Text", 2)
        s.DataService.addCustomField(K, context, "Size", "Text", 2)
        """) == [
        (1, "covered", ()),
        (2, "partial", (other_context("Company"),)),
        (3, "partial", (other_context("Opportunity"),)),
        (4, "partial", (other_context("Company"),)),  # a client that adds the key
        (5, "covered", ()),  # a variable: not judged
    ]
    assert other_context("Company").startswith("(") and "Company" in other_context("Company")


def test_when_the_tag_was_applied_is_answered_for_queries_by_tag() -> None:
    # The shim reads ContactGroupAssign.DateCreated from the tag's side only: a query naming
    # one GroupId exactly and no ContactId.
    assert verdicts("""\
        A = "ContactGroupAssign"
        s.DataService.query(K, A, 10, 0, {"GroupId": 5}, ["ContactId", "DateCreated"])
        s.DataService.query(K, A, 10, 0, {"GroupId": tag}, ["DateCreated"], "DateCreated")
        s.DataService.query(K, A, 10, 0, {"GroupId": "5"}, ["DateCreated"])
        s.DataService.query(K, A, 10, 0, {"ContactId": 5}, ["GroupId", "DateCreated"])
        s.DataService.query(K, A, 10, 0, {"GroupId": 5, "ContactId": 5}, ["DateCreated"])
        s.DataService.query(K, A, 10, 0, {"GroupId": "%"}, ["DateCreated"])
        s.DataService.query(K, A, 10, 0, {"GroupId": 5, "ContactId": "%"}, ["DateCreated"])
        s.DataService.query(K, A, 10, 0, query, ["DateCreated"])
        s.DataService.count(K, A, {"GroupId": 5, "DateCreated": "%"})
        s.DataService.findByField(K, A, 10, 0, "GroupId", 5, ["DateCreated"])
        s.DataService.findByField(K, A, 10, 0, "ContactId", 5, ["DateCreated"])
        s.DataService.findByField(K, A, 10, 0, "GroupId", "%", ["DateCreated"])
        s.DataService.query(K, A, 10, 0, dict(GroupId=5), ["DateCreated"])
        """) == [
        (2, "covered", ()),
        (3, "covered", ()),  # a variable tag id: taken for an exact one
        (4, "covered", ()),
        (5, "partial", ("DateCreated",)),
        (6, "partial", ("DateCreated",)),
        (7, "partial", ("DateCreated",)),  # a wildcard is not one tag
        (8, "covered", ()),  # a ContactId wildcard leaves the tag's side
        (9, "partial", ("DateCreated",)),  # a query the audit cannot read
        (10, "covered", ()),
        (11, "covered", ()),
        (12, "partial", ("DateCreated",)),
        (13, "partial", ("DateCreated",)),
        (14, "covered", ()),
    ]


def test_the_text_report_says_why_a_call_is_partial(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        's.ContactService.update(K, 1, {"AccountId": 7, "Username": "a"})\n'
        's.DataService.addCustomField(K, "Company", "Size", "Text", 2)\n'
    )
    text = render_text(audit_path(tmp_path))
    assert "    ^ columns the shim cannot translate: Contact.Username\n" in text
    assert "    ^ read-only columns written (REST v2 only reads them): Contact.AccountId\n" in text
    rule = other_context("Company")[1:-1]
    assert f"    ^ the shim refuses it: {rule}\n" in text
