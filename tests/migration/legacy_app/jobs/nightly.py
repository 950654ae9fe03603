"""A job in a sub-package: relative paths include the folder (audit test data)."""

from xmlrpc.client import ServerProxy


def run(key):
    proxy = ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
    fields = ["Id", "Email"]
    for row in proxy.DataService.query(key, "Contact", 100, 0, {}, fields):
        proxy.ContactService.removeFromCampaign(key, row["Id"], 3)
