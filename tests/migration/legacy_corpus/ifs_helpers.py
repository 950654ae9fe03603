"""Shared Infusionsoft plumbing, the way many integrations grew it (audit corpus, never run)."""

import os
import xmlrpc.client

APP = os.environ.get("INFUSIONSOFT_APP", "myapp")
KEY = os.environ.get("INFUSIONSOFT_KEY", "")
URL = "https://%s.infusionsoft.com/api/xmlrpc" % APP


def server():
    """A fresh proxy per call: ServerProxy is not thread-safe."""
    return xmlrpc.client.ServerProxy(URL, allow_none=True)


def call(service, method, *args):
    """Every Keap call of the old admin scripts went through here."""
    return getattr(server(), service + "." + method)(KEY, *args)


def call_official(client, service, method, *args):
    """The same for a client of the Official-API-Python-Library."""
    return getattr(client, service)(method, *args)


def raw(name, params):
    return server()._ServerProxy__request(name, params)


def ping():
    return server().DataService.echo(KEY, "ping")
