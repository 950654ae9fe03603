"""An editor crashed while saving this (audit corpus): a bracket left open, the end cut off."""

import xmlrpc.client

KEY = "0123456789abcdef"
server = xmlrpc.client.ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")


def create(first, email):
    return server.ContactService.add(KEY, {"FirstName": first, "Email": email, "Password": "x"})


def refresh(contact_id):
    server.ContactService.load(KEY, contact_id, ["Id", "Email"]


def recent():
    return server.DataService.query(KEY, "Contact", 100, 0, {"LastUpdated": "2024%"}, ["Id", "SpouseName"])


def remove(tag_id)
    server.DataService.delete(KEY, "ContactGroup", tag_id)


rows = server.DataService.findByField(KEY, "Contact", 100, 0, "Email", "a@example.com",
                                      ["Id", "FirstName", "Anniversary", "Ti