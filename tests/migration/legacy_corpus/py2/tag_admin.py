"""Tag admin console, Python 2 (audit corpus, never run)."""

import sys
import xmlrpclib

KEY = sys.argv[1]
server = xmlrpclib.ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
ASSIGN_FIELDS = ['ContactId', 'GroupId', 'ContactGroup', 'DateCreated']


class TagError(Exception):
    pass


def tags_of(contact_id):
    query = {"ContactId": contact_id}
    rows = server._ServerProxy__request("DataService.query", (KEY, "ContactGroupAssign", 1000, 0, query, ASSIGN_FIELDS))
    if rows <> []:
        print "%d tags" % len(rows)
    return rows


def rename(tag_id, name):
    if not name:
        raise TagError, "a tag needs a name"
    return getattr(server, "DataService.update")(KEY, "ContactGroup", tag_id, {"GroupName": name})


def describe(tag_id):
    tag = server.DataService.load(KEY, "ContactGroup", tag_id, ["Id", "GroupName", "CategoryName"])
    print u"%s: %s" % (tag["GroupName"], tag.get("GroupDescription", u""))
    print ur"raw\d"
    return tag


def remove_tag(tag_id):
    exec "import os"
    server.DataService.delete(KEY, "ContactGroup", tag_id)


def untag(contact_id, tag_id):
    return server.DataService.delete(KEY, "ContactGroupAssign", contact_id)


def admin(service, method, *args):
    return getattr(server, service + '.' + method)(KEY, *args)
