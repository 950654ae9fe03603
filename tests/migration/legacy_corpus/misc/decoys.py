"""Looks like Keap, is no Keap XML-RPC call (audit corpus): nothing here is reported.

The docs mention server.ContactService.add(key, data) and "DataService.query('Contact', ...)".
"""

import logging

log = logging.getLogger(__name__)
HANDLERS = {"ContactService.add": print, "DataService.query": print}

# server.ContactService.add(KEY, {"FirstName": "commented out"})
log.info("ContactService.add retried")
log.debug("DataService.query")
log.warning("ContactService." + str(HANDLERS))
HANDLERS.get("ContactService.add")
seen = set()
seen.add("DataService.count")
"ContactService.load".startswith("Contact")
print("%s.%s" % ("ContactService", "add"))


class DataService:
    """Our own warehouse service that happens to share Keap's name."""

    def query(self, sql):
        return sql


DataService().query("select 1")
warehouse = DataService()
warehouse.query("select 2")
other = __import__("xmlrpc.client").client.ServerProxy("https://example.com/RPC2")
other.OtherService.add("key", {})
other.OtherService("add", {})
getattr(other, "system.listMethods")()


class Settings:
    def value(self, name):
        return getattr(self, name)


def dispatch(obj, event, *args):
    return getattr(obj, event)(event, *args)
