"""Low-level helpers that name XML-RPC methods as strings (audit test data, never imported)."""

import xmlrpc.client

from .crm_sync import KEY, server

ADD_CONTACT = "ContactService.add"
QUERY = "DataService.query"


def raw_add(data):
    return server._ServerProxy__request(ADD_CONTACT, (KEY, data))


def raw_request(contact_id):
    return server._ServerProxy__request("ContactService.load", (KEY, contact_id, ["Id"]))


def by_getattr(contact_id, values):
    getattr(server, "ContactService.update")(KEY, contact_id, values)
    return getattr(server.ContactService, "load")(KEY, contact_id, ["Id"])


def deleter():
    method = "DataService.delete"
    delete = getattr(server, method)
    return delete


def call(method, *params):
    return getattr(server, method)(*params)


def tags_for(contact_id):
    return call(QUERY, KEY, "ContactGroupAssign", 100, 0, {"ContactId": contact_id}, ["GroupId"])


class Client:
    def execute(self, method, *params):
        return call(method, *params)


def lookup_email(client, email):
    client.execute("ContactService.findByEmail", KEY, email, ["Id"])
    return client.execute("APIEmailService.getOptStatus", KEY, email)


def wire_body(contact_id):
    return xmlrpc.client.dumps((KEY, "ContactGroup", contact_id, ["Id"]), "DataService.load")
