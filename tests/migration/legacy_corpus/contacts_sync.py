"""Contact sync from the web shop (audit corpus, never run)."""

import xmlrpc.client

from ifs_helpers import KEY, URL, server

SELECTED = ["Id", "FirstName", "LastName", "Email", "Website", "OwnerID"]
proxy = xmlrpc.client.ServerProxy(URL)


def create(order):
    contact = {
        "FirstName": order["first"],
        "LastName": order["last"],
        "Email": order["email"],
        "Phone1": order["phone"],
    }
    return proxy.ContactService.add(KEY, contact)


def upsert(order):
    data = {"FirstName": order["first"], "Email": order["email"], "ReferralCode": order["ref"]}
    return proxy.ContactService.addWithDupCheck(KEY, data, "Email")


def load(contact_id):
    return server().ContactService.load(KEY, contact_id, SELECTED)


def login_details(contact_id):
    return proxy.ContactService.load(KEY, contact_id, ["Id", "Username", "Password"])


def rename(contact_id, first, last):
    proxy.ContactService.update(KEY, contact_id, {"FirstName": first, "LastName": last})


def find(email):
    return proxy.ContactService.findByEmail(KEY, email, ["Id", "Email", "Validated"])


def tag(contact_id, tag_id):
    server().ContactService.addToGroup(KEY, contact_id, tag_id)
    server().ContactService.removeFromGroup(KEY, contact_id, 99)


def merge(keep, drop):
    return proxy.ContactService.merge(KEY, keep, drop)


def link(first_id, second_id):
    return proxy.ContactService.linkContacts(KEY, first_id, second_id, 3)


def order_field(order, name):
    return getattr(order, name)
