"""Django-era form handlers (audit corpus, never run)."""

import xmlrpc.client

from django.conf import settings


class Keap:
    """The thin wrapper every view shares."""

    def __init__(self):
        self.client = xmlrpc.client.ServerProxy(settings.INFUSIONSOFT_URL)
        self.key = settings.INFUSIONSOFT_KEY

    def call(self, service, method, *args):
        return getattr(self.client, f"{service}.{method}")(self.key, *args)

    def signup(self, form):
        values = dict(FirstName=form["first"], Email=form["email"], Title=form["title"], Suffix="")
        return self.client.ContactService.add(self.key, values)

    def update_profile(self, contact_id, form):
        changes = {"Company": form["company"], "JobTitle": form["job"], "Website": form["site"]}
        return self.client.DataService.update(self.key, "Contact", contact_id, changes)

    def forget(self, contact_id):
        return self.client.DataService.delete(self.key, "Contact", contact_id)

    def tag(self, tag_id):
        return self.client.DataService.load(self.key, "ContactGroup", tag_id, ["Id", "GroupName"])

    def status(self, email):
        method = "APIEmailService.getOptStatus"
        return self.client._ServerProxy__request(method, (self.key, email))

    def anything(self, name, *params):
        return self.client._ServerProxy__request(name, (self.key, *params))

    def setting(self, name):
        return getattr(self, name)
