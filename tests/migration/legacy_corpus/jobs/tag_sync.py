"""Nightly tag sync between the shop and Keap (audit corpus, never run)."""

import xmlrpc.client

from ifs_helpers import KEY, server

ASSIGN = "ContactGroupAssign"


def members(tag_id):
    data = getattr(server(), "DataService")
    fields = ["ContactId", "Contact.Email", "Contact.Company"]
    return data.query(KEY, ASSIGN, 1000, 0, {"GroupId": tag_id}, fields)


def applied_dates(contact_id):
    return server().DataService.query(
        KEY, ASSIGN, 1000, 0, {"ContactId": contact_id}, ["GroupId", "DateCreated"], "DateCreated"
    )


def tag_count(tag_id):
    return server().DataService.count(KEY, "ContactGroupAssign", {"GroupId": tag_id})


def find_tag(name):
    finder = getattr(server().DataService, "findByField")
    return finder(KEY, "ContactGroup", 10, 0, "GroupName", name, ["Id", "GroupName"])


def find_tag_now(name):
    return getattr(server().DataService, "findByField")(
        KEY, "ContactGroup", 10, 0, "GroupName", name, ["Id", "GroupName"]
    )


def request_body(tag_id):
    return xmlrpc.client.dumps((KEY, "ContactGroup", tag_id, ["Id", "GroupName"]), "DataService.load")


def bulk_apply(contact_ids, tag_id):
    for contact_id in contact_ids:
        server().DataService.add(KEY, "ContactGroupAssign", {"ContactId": contact_id, "GroupId": tag_id})


def category(category_id):
    return server().DataService.load(KEY, "ContactGroupCategory", category_id, ["Id", "CategoryName"])
