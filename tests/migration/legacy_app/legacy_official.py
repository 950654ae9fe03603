"""Built on infusionsoft's Official-API-Python-Library (audit test data, never imported)."""

from infusionsoft.library import Infusionsoft

infusionsoft = Infusionsoft("myapp", "098f6bcd4621d373cade4e832627b4f6")


def signup(first, email):
    contact = {"FirstName": first, "Email": email}
    contact_id = infusionsoft.ContactService("add", contact)
    infusionsoft.ContactService("addToGroup", contact_id, 91)
    return contact_id


def dedupe(keep_id, drop_id):
    return infusionsoft.ContactService("merge", keep_id, drop_id)


def report():
    table = "Contact"
    rows = infusionsoft.DataService("query", table, 10, 0, {"FirstName": "John"}, ["Id"])
    groups = infusionsoft.DataService(
        "query", "ContactGroup", 10, 0, {}, ["Id", "GroupName"]
    )
    stock = infusionsoft.ProductService("getInventory", 1)
    return rows, groups, stock


def raw_server(contact):
    return infusionsoft.server().ContactService.add(infusionsoft.key, contact)
