"""Celery-ish tasks on theY4Kman's infusionsoft-client (audit test data, never imported)."""

import infusionsoft
from infusionsoft.query import consume

infusionsoft.initialize("myapp", "098f6bcd4621d373cade4e832627b4f6")


def create(first):
    return infusionsoft.ContactService.add({"FirstName": first})


def all_tags():
    query_fn = lambda page, limit: infusionsoft.DataService.query(
        "ContactGroup", limit, page, {}, ["Id"]
    )
    return list(consume(query_fn))


def merge_duplicates(keep_id, drop_id):
    infusionsoft.ContactService.merge(keep_id, drop_id)
    infusionsoft.APIEmailService.optIn("a@example.com", "double opt-in")


def campaign(contact_id, action):
    contacts = infusionsoft.ContactService
    contacts.addToCampaign(contact_id, 12)
    return getattr(infusionsoft.ContactService, action)(contact_id)


class Syncer:
    def __init__(self, app):
        self.infusionsoft = infusionsoft
        self.app = app

    def refresh(self, contact_id):
        contact = self.infusionsoft.ContactService.load(contact_id, ["Id"])
        count = self.app.DataService.count("ContactGroupAssign", {"ContactId": contact_id})
        self.app.InvoiceService.createBlankOrder(contact_id, "order", None, 0, 0)
        return contact, count
