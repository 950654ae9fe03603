"""Reports on top of the Official-API-Python-Library (audit corpus, never run)."""

from infusionsoft.library import Infusionsoft

ifs = Infusionsoft("myapp", "0123456789abcdef")
RETURN_FIELDS = ["Id", "FirstName", "Email", "Leadsource", "ContactType"]


def leads(page):
    return ifs.DataService(
        "query", "Contact", 1000, page, {"ContactType": "Lead"}, RETURN_FIELDS, "DateCreated", False
    )


def by_source(source):
    return ifs.DataService("findByField", "Contact", 100, 0, "Leadsource", source, ["Id", "Email"])


def count_customers():
    return ifs.DataService("count", "Contact", {"ContactType": "Customer", "Email": "%"})


def add_lead(first, email):
    return ifs.ContactService("add", {"FirstName": first, "Email": email, "Leadsource": "Web"})


def tag_names():
    return ifs.DataService(
        "query", "ContactGroup", 1000, 0, {"GroupName": "%"}, ["Id", "GroupName", "GroupCategoryId"]
    )


def new_tag(name):
    return ifs.DataService("add", "ContactGroup", {"GroupName": name, "GroupDescription": "shop"})


def opt_out(email):
    return ifs.APIEmailService("optOut", email, "Unsubscribed in the shop")


def amount_owed(invoice_id):
    return ifs.InvoiceService("calculateAmountOwed", invoice_id)


def direct(first):
    return ifs.server().ContactService.add(ifs.key, {"FirstName": first, "MiddleName": ""})


def any_call(method, *args):
    return ifs.ContactService(method, *args)
