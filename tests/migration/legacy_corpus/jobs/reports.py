"""Weekly reports (audit corpus, never run)."""

from xmlrpc.client import ServerProxy

from ifs_helpers import KEY, URL

WEEKLY = ("Id", "FirstName", "LastName", "Company", "JobTitle", "Birthday")


def weekly():
    proxy = ServerProxy(URL)
    return proxy.DataService.query(KEY, "Contact", 1000, 0, {"Groups": "%"}, WEEKLY, "LastUpdated", False)


def owners():
    proxy = ServerProxy(URL)
    fields = ["Id", "OwnerID", "TimeZone"]
    order = "OwnerID"
    return proxy.DataService.query(KEY, "Contact", 1000, 0, {}, fields, order, True)


def totals():
    proxy = ServerProxy(URL)
    return {
        "contacts": proxy.DataService.count(KEY, "Contact", {"Id": "%"}),
        "work_addresses": proxy.DataService.count(KEY, "Contact", {"Address1Type": "Work"}),
        "jobs": proxy.DataService.count(KEY, "Job", {}),
    }


def stale(table="Contact"):
    proxy = ServerProxy(URL)
    return proxy.DataService.query(KEY, table, 100, 0, {}, ["Id"])


def by_domain(domain):
    proxy = ServerProxy(URL)
    wanted = ["Id", "Email", "EmailAddress2", "AssistantName"]
    return proxy.DataService.findByField(KEY, "Contact", 1000, 0, "Email", "%@" + domain, wanted)


def opt_status(email):
    return ServerProxy(URL).APIEmailService.getOptStatus(KEY, email)


def loyalty(contact_id):
    return ServerProxy(URL).ContactService.load(KEY, contact_id, ["Id", "_ShoeSize", "_LoyaltyTier"])
