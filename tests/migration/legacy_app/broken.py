"""Python 2 leftovers: does not parse on Python 3 (audit test data: reported, not fatal)."""

import xmlrpclib

server = xmlrpclib.ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
print server.ContactService.add("key", {"FirstName": "Ada"})
