"""Looks like Keap, is not a Keap XML-RPC call: the audit reports nothing here.

Mentions such as ContactService.add(key, data) or "DataService.query" in a docstring are text.
"""

import logging
import xmlrpc.client
from xmlrpc.client import ServerProxy

log = logging.getLogger(__name__)
server = ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
other = xmlrpc.client.ServerProxy("https://example.com/RPC2")

# server.ContactService.add(key, {"FirstName": "commented out"})
METHODS = server.system.listMethods()
other.OtherService("add", {})
other.OtherService.add("key", {})
other.Contacts.add("key", {})
unbound = server.ContactService.add
log.info("ContactService.add failed: %s", "timeout")
print("not a method: DataService.query")
getattr(server, "system.listMethods")()
getattr(server, "OtherService.add")
call = print
call("ContactService")
call("NotAService.add", 1)
"ContactService.load".split(".")
getattr(other, "ContactService")


class ContactService:
    """Our own class that happens to share Keap's name."""

    @staticmethod
    def add(data):
        return data


ContactService.add({"FirstName": "local"})
