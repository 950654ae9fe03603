"""Nightly CRM sync (audit test data: scanned by test_audit.py, never imported)."""

import os
import xmlrpc.client
from xmlrpc.client import ServerProxy

try:
    import xmlrpclib
except ImportError:
    xmlrpclib = None

URL = "https://myapp.infusionsoft.com/api/xmlrpc"
KEY = os.environ["INFUSIONSOFT_KEY"]
TAG_TABLE = "ContactGroup"

server = xmlrpc.client.ServerProxy(URL)


def push_contact(data):
    contact_id = server.ContactService.add(KEY, data)
    server.ContactService.addWithDupCheck(KEY, data, "Email")
    server.ContactService.update(KEY, contact_id, {"Phone1": data["phone"], "Username": data["login"]})
    return server.ContactService.load(KEY, contact_id, ["Id", "Email"])


def find(email):
    return server.ContactService.findByEmail(KEY, email, ["Id"])


def tag(contact_id, tag_id, remove=False):
    if remove:
        return server.ContactService.removeFromGroup(KEY, contact_id, tag_id)
    return server.ContactService.addToGroup(KEY, contact_id, tag_id)


def pull_everything():
    contacts = server.DataService.query(KEY, "Contact", 1000, 0, {}, ["Id", "Email"])
    tags = server.DataService.query(KEY, TAG_TABLE, 1000, 0, {}, ["Id", "GroupName"])
    links = server.DataService.query(
        KEY, "ContactGroupAssign", 1000, 0, {"GroupId": 7}, ["ContactId"]
    )
    total = server.DataService.count(KEY, "Contact", {})
    invoices = server.DataService.query(KEY, "Invoice", 1000, 0, {}, ["Id"])
    return contacts, tags, links, total, invoices


def one_off(table, record_id):
    ServerProxy(URL).DataService.delete(KEY, "ContactGroup", record_id)
    ServerProxy(URL).DataService.load(KEY, table, record_id, ["Id"])
    legacy = xmlrpclib.ServerProxy(URL)
    legacy.DataService.findByField(KEY, "Contact", 10, 0, "Email", "a@example.com", ["Id"])
    legacy.DataService.update(KEY, "ContactGroupAssign", record_id, {"GroupId": 3})
    return legacy.DataService.add(KEY, "ContactGroup", {"GroupName": "VIP"})
