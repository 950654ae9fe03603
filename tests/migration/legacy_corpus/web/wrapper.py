"""The shop's Keap wrapper: services and methods kept on self (audit corpus, never run)."""

import xmlrpc.client

from django.conf import settings

APPLIED = ["ContactId", "Contact.Email", "DateCreated"]


class Keap:
    """One proxy; its services, and two of their methods, kept as attributes."""

    def __init__(self):
        self.key = settings.INFUSIONSOFT_KEY
        self.server = xmlrpc.client.ServerProxy(settings.INFUSIONSOFT_URL)
        self.contacts = self.server.ContactService
        self.data = self.server.DataService
        self.find = self.server.ContactService.findByEmail
        self.count = getattr(self.server.DataService, "count")

    def add(self, data):
        return self.contacts.add(self.key, data)

    def merge(self, keep, drop):
        return self.contacts.merge(self.key, keep, drop)

    def by_email(self, email):
        return self.find(self.key, email, ["Id", "FirstName", "Username"])

    def tagged(self, tag_id):
        return self.count(self.key, "ContactGroupAssign", {"GroupId": tag_id})

    def applied(self, tag_id):
        return self.data.query(self.key, "ContactGroupAssign", 1000, 0, {"GroupId": tag_id}, APPLIED)

    def move_account(self, contact_id):
        return self.contacts.update(self.key, contact_id, {"AccountId": 7})

    def company_field(self, label):
        return self.data.addCustomField(self.key, "Company", label, "Text", 0)
