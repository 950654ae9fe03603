"""Client settings: defaults, environment, and the URL and key checks done before any request."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

from ._exceptions import ConfigurationError

if TYPE_CHECKING:
    from .auth import OAuth2

BackendName = Literal["rest", "xmlrpc"]
BACKENDS: tuple[BackendName, ...] = ("rest", "xmlrpc")
DEFAULT_BASE_URL = "https://api.infusionsoft.com/crm"
# Sent as the XML-RPC key parameter when the key travels in the header: the server's method
# signatures still need a first string parameter, and ignores its value (the official
# PHP SDK does the same: infusionsoft/infusionsoft-php, Infusionsoft.php request()).
KEY_PLACEHOLDER = "keap-adapter-header-auth"
# Decoded answers are read up to this many bytes: a few times the largest real answer (a
# 1,000-contact page with every field is about 3 MB); beyond it is a hostile or broken server.
MAX_RESPONSE_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Validated client settings. ``api_key`` is hidden from ``repr``; ``auth`` (OAuth2)
    replaces it."""

    backend: BackendName
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    xmlrpc_url: str | None = None
    timeout: float = 30.0
    max_retries: int = 3
    tag_chunk_size: int = 100
    page_size: int = 1000
    call_deadline: float | None = None
    max_response_size: int = MAX_RESPONSE_SIZE
    auth: OAuth2 | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigurationError(f"backend must be one of {BACKENDS}, not {self.backend!r}")
        if self.auth is None:
            check_api_key(self.api_key)
        elif self.api_key:
            raise ConfigurationError("give an api_key or auth=, not both")
        check_url(self.base_url, "base_url")
        if self.xmlrpc_url is not None:
            check_url(self.xmlrpc_url, "xmlrpc_url")
        _check_number("timeout", self.timeout)
        if self.call_deadline is not None:
            _check_number("call_deadline", self.call_deadline)
            _check_positive(call_deadline=self.call_deadline)
        for name in ("tag_chunk_size", "max_retries", "page_size", "max_response_size"):
            _check_int(name, getattr(self, name))
        _check_positive(timeout=self.timeout, tag_chunk_size=self.tag_chunk_size)
        _check_positive(max_response_size=self.max_response_size)
        _check_range("max_retries", self.max_retries, 0, 10)
        _check_range("page_size", self.page_size, 1, 1000)

    @property
    def deadline(self) -> float:
        """Seconds one attempt may take from sending to the last byte of its answer:
        ``call_deadline``, by default three times ``timeout`` (which bounds each read)."""
        return self.call_deadline if self.call_deadline is not None else 3 * self.timeout

    @property
    def rest_url(self) -> str:
        """Where REST v2 lives: ``{base_url}/rest/v2``."""
        return self.base_url.rstrip("/") + "/rest/v2"

    @property
    def xmlrpc_endpoint(self) -> str:
        """The XML-RPC URL: ``xmlrpc_url`` if set (legacy form), else ``{base_url}/xmlrpc/v1``."""
        return self.xmlrpc_url or self.base_url.rstrip("/") + "/xmlrpc/v1"

    @property
    def key_in_body(self) -> bool:
        """XML-RPC on the legacy endpoint: the key is the first parameter, not a header.

        REST always sends the header, whatever ``xmlrpc_url`` says.
        """
        return self.backend == "xmlrpc" and self.xmlrpc_url is not None and self.auth is None


# Keap's Personal Access Tokens and Service Account Keys are far longer than this (a
# "KeapAK-" prefix and dozens of random characters): a shorter key was cut when copied, or is
# a placeholder. Refusing it also keeps redaction sound: a key of a few characters would be
# found, and replaced, inside ordinary words of every error and log line.
MIN_API_KEY_LENGTH = 16


def check_api_key(key: object) -> None:
    """Refuse a key that cannot travel in an HTTP header, or too short to be a Keap key,
    without ever printing it."""
    check_header_value(key, "the API key")
    assert isinstance(key, str)  # checked above
    if len(key) < MIN_API_KEY_LENGTH:
        raise ConfigurationError(
            f"the API key is too short ({len(key)} character{'s' * (len(key) != 1)}; at least "
            f"{MIN_API_KEY_LENGTH} are required): Keap's Personal Access Tokens and Service "
            "Account Keys are far longer, so it was probably cut when copied"
        )


def check_header_value(value: object, what: str) -> None:
    """Refuse a secret (``what``: "the API key", "the access token"...) that cannot travel
    in an HTTP header, without ever printing it.

    A header value is visible ASCII (RFC 9110 section 5.5: ``field-vchar``; httpx encodes
    header strings as ASCII, and h11 refuses control characters); white space around or
    inside a key is a copy-and-paste accident, never part of a Keap key. So a secret is any
    run of printable ASCII without white space (``!`` to ``~``, ``&<>"`` included). The
    error names the kind of character and its position, never the secret nor the character.
    """
    if not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a str, not {type(value).__name__}")
    if not value:
        if what == "the API key":
            raise ConfigurationError("an API key is required (a Keap PAT or Service Account Key)")
        raise ConfigurationError(f"{what} is empty")
    for position, char in enumerate(value, start=1):
        if "!" <= char <= "~":
            continue
        kind = (
            "white space"
            if char.isspace()
            else "a control character"
            if char < " " or char == "\x7f"
            else "a non-ASCII character"
        )
        raise ConfigurationError(
            f"{what} contains {kind} (character {position}), which an HTTP header "
            "cannot carry; check how it was copied"
        )


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a finite number of seconds, not {value!r}")


def _check_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"{name} must be an int, not {value!r}")


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if value <= 0:
            raise ConfigurationError(f"{name} must be positive, not {value!r}")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}, not {value!r}")


def check_url(url: str, name: str) -> None:
    """Refuse URLs that would leak the key: plain http to anything but loopback, or a
    URL carrying credentials or a query string (the key never travels in a URL)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"{name} is not a valid URL") from exc
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ConfigurationError(f"{name} must be an absolute http(s) URL")
    if parsed.userinfo or parsed.query:
        raise ConfigurationError(f"{name} must not carry credentials or a query string")
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise ConfigurationError(
            f"{name} uses plain http:// to {parsed.host}; only https is allowed, "
            "except to loopback (a local fake)"
        )


def is_loopback(host: str) -> bool:
    """True for localhost and 127.0.0.0/8 / ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``KEAP_API_KEY``, ``KEAP_BACKEND`` (default ``rest``), ``KEAP_BASE_URL``
    and ``KEAP_XMLRPC_URL``; keyword ``overrides`` win. Without a key, ``KEAP_CLIENT_ID``
    selects OAuth2 (:meth:`keap_adapter.auth.OAuth2.from_env`)."""
    env = os.environ if env is None else env
    if not env.get("KEAP_API_KEY") and not {"api_key", "auth"} & overrides.keys():
        if not env.get("KEAP_CLIENT_ID"):
            raise ConfigurationError("KEAP_API_KEY is not set (nor KEAP_CLIENT_ID, for OAuth2)")
        from .auth import OAuth2  # noqa: PLC0415 - only OAuth2 users pay for it

        overrides = {**overrides, "auth": OAuth2.from_env(env)}
    values: dict[str, object] = {
        "backend": env.get("KEAP_BACKEND", "rest"),
        "api_key": env.get("KEAP_API_KEY", ""),
        "base_url": env.get("KEAP_BASE_URL") or DEFAULT_BASE_URL,
        "xmlrpc_url": env.get("KEAP_XMLRPC_URL") or None,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
