"""A stand-in for ``django.conf``: the two settings the corpus's web/forms.py reads.

The runner executes this file as ``django.conf`` for the corpus.
"""

from __future__ import annotations

from types import SimpleNamespace

settings = SimpleNamespace(
    INFUSIONSOFT_URL="https://myapp.infusionsoft.com/api/xmlrpc",
    INFUSIONSOFT_KEY="0123456789abcdef",
)
