"""CI job run nightly by GitHub Actions: methods kept in names (audit corpus, never run)."""

from ifs_helpers import KEY, server

proxy = server()
merge = proxy.ContactService.merge
query = proxy.DataService.query
load = getattr(proxy.DataService, "load")


def merge_pair(keep, drop):
    return merge(KEY, keep, drop)


def leads():
    return query(KEY, "Contact", 100, 0, {"LastName": "Hopper"}, ["Id", "Email"])


def old_login(contact_id):
    return load(KEY, "Contact", contact_id, ["Id", "Password"])


def group_field(label):
    return proxy.DataService.addCustomField(KEY, "Contact", label, "Text", 0)
