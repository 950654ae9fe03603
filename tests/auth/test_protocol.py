"""What OAuth2 sends to Keap's endpoints and how it reads their answers (Keap's OAuth2 guide:
developer.keap.com/getting-started-oauth-keys)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

import keap_adapter as ka
from keap_adapter.auth import AUTHORIZE_URL, TOKEN_URL, FileTokenStore, OAuth2, Tokens

T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)
Answer = Callable[[httpx.Request], httpx.Response]


class TokenEndpoint(httpx.BaseTransport):
    """A token endpoint answering what the test says, keeping what it was sent."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.answer(request)


def granted(_: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "access_token": "AT-new-0123456789",
            "refresh_token": "RT-new-0123456789",
            "expires_in": 86400,
            "token_type": "bearer",
            "scope": "full|ab123.infusionsoft.com",
        },
    )


def app(tmp_path: Path, answer: Answer = granted) -> tuple[OAuth2, TokenEndpoint]:
    endpoint = TokenEndpoint(answer)
    oauth = OAuth2(
        "client-id-1",
        "s3cret&/+=",
        store=FileTokenStore(tmp_path / "t.json"),
        redirect_uri="https://example.com/cb",
        clock=lambda: T0,
        transport=endpoint,
    )
    return oauth, endpoint


def stored(tmp_path: Path) -> Tokens:
    tokens = Tokens("AT-old-0123456789", "RT-old-0123456789", T0, T0 - timedelta(days=1))
    FileTokenStore(tmp_path / "t.json").save(tokens)
    return tokens


def form(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


def test_the_authorization_url_asks_for_a_code_with_keaps_parameters(tmp_path: Path) -> None:
    oauth, _ = app(tmp_path)
    url = httpx.URL(oauth.authorization_url(state="xyz"))
    assert str(url.copy_with(query=None)) == AUTHORIZE_URL
    assert dict(url.params) == {
        "response_type": "code",
        "client_id": "client-id-1",
        "redirect_uri": "https://example.com/cb",
        "scope": "full",
        "state": "xyz",
    }


def test_the_defaults_are_keaps_urls(tmp_path: Path) -> None:
    oauth = OAuth2("id", "secret", store=FileTokenStore(tmp_path / "t.json"))
    assert (oauth.token_url, oauth.authorize_url) == (
        "https://api.infusionsoft.com/token",
        "https://accounts.infusionsoft.com/app/oauth/authorize",
    )
    assert oauth.token_url == TOKEN_URL
    with pytest.raises(ka.ConfigurationError, match="redirect_uri"):
        oauth.authorization_url()


def test_the_code_exchange_posts_the_documented_form_and_saves_the_tokens(
    tmp_path: Path,
) -> None:
    oauth, endpoint = app(tmp_path)
    tokens = oauth.exchange_code(" the-code ")
    (request,) = endpoint.sent
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {
        "client_id": "client-id-1",
        "client_secret": "s3cret&/+=",
        "code": "the-code",
        "grant_type": "authorization_code",
        "redirect_uri": "https://example.com/cb",
    }
    assert tokens == Tokens("AT-new-0123456789", "RT-new-0123456789", T0 + timedelta(days=1), T0)
    assert FileTokenStore(tmp_path / "t.json").load() == tokens


def test_a_refresh_sends_basic_client_credentials_and_the_refresh_token(tmp_path: Path) -> None:
    old = stored(tmp_path)
    oauth, endpoint = app(tmp_path)
    oauth.refresh()
    (request,) = endpoint.sent
    expected = base64.b64encode(b"client-id-1:s3cret&/+=").decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {"grant_type": "refresh_token", "refresh_token": old.refresh_token}


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (400, {"error": "invalid_grant", "error_description": "Invalid refresh token"},
         ka.AuthenticationError, "authorise the app again"),
        (401, {"error": "invalid_client"}, ka.AuthenticationError, "KEAP_CLIENT_SECRET"),
        (400, {"error": "invalid_request"}, ka.BadRequestError, "invalid_request"),
        (429, {}, ka.RateLimitError, "429"),
        (503, "<html>down</html>", ka.ServerError, "503"),
        (302, "", ka.RedirectError, "not followed"),
        (200, "not json", ka.ResponseValidationError, "not JSON"),
        (200, {"access_token": "x" * 20}, ka.ResponseValidationError, "refresh_token"),
        (200, {"access_token": "a b", "refresh_token": "b" * 20, "expires_in": 60},
         ka.ResponseValidationError, "white space.*spent.*authorise the app again"),
        (200, {"access_token": "a" * 20, "refresh_token": "b" * 20, "expires_in": 60,
               "token_type": "mac"}, ka.ResponseValidationError, "bearer"),
    ],
)  # fmt: skip
def test_every_other_answer_is_a_typed_error_and_the_file_stays_as_it_was(
    tmp_path: Path, status: int, body: object, error: type[ka.KeapError], words: str
) -> None:
    stored(tmp_path)
    before = (tmp_path / "t.json").read_bytes()
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    oauth, _ = app(tmp_path, lambda _: httpx.Response(status, content=content))
    with pytest.raises(error, match=words) as caught:
        oauth.refresh()
    assert caught.value.operation == "oauth.refresh"
    assert (tmp_path / "t.json").read_bytes() == before
    assert "RT-old" not in str(caught.value) and "s3cret" not in str(caught.value)


def test_an_error_echoing_what_was_sent_shows_none_of_it(tmp_path: Path) -> None:
    stored(tmp_path)

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"bad: {request.content.decode()} {request.headers}")

    oauth, _ = app(tmp_path, echo)
    with pytest.raises(ka.BadRequestError) as caught:
        oauth.refresh()
    shown = f"{caught.value} {caught.value!r} {vars(caught.value)}"
    for secret in ("RT-old-0123456789", "s3cret", "s3cret%26%2F%2B%3D"):
        assert secret not in shown


def test_no_answer_is_a_transport_error_that_says_what_to_do(tmp_path: Path) -> None:
    stored(tmp_path)

    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    oauth, endpoint = app(tmp_path, lost)
    with pytest.raises(ka.TransportError, match="oauth authorize"):
        oauth.refresh()
    assert len(endpoint.sent) == 1  # never re-sent: the first may have spent the token


def test_an_oversized_token_answer_is_refused(tmp_path: Path) -> None:
    stored(tmp_path)
    oauth, _ = app(tmp_path, lambda _: httpx.Response(200, content=b"{" * 100_000))
    with pytest.raises(ka.ResponseTooLargeError):
        oauth.refresh()


def test_refreshing_before_authorising_says_to_authorise(tmp_path: Path) -> None:
    oauth, endpoint = app(tmp_path)
    with pytest.raises(ka.AuthenticationError, match="oauth authorize"):
        oauth.refresh()
    assert endpoint.sent == []


@pytest.mark.parametrize("code", ["", "   "])
def test_an_empty_code_is_refused_before_sending(tmp_path: Path, code: str) -> None:
    oauth, endpoint = app(tmp_path)
    with pytest.raises(ka.ConfigurationError):
        oauth.exchange_code(code)
    assert endpoint.sent == []


def test_settings_are_checked(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    with pytest.raises(ka.ConfigurationError, match="client_secret"):
        OAuth2("id", "", store=store)
    with pytest.raises(ka.ConfigurationError, match="TokenStore"):
        OAuth2("id", "secret", store=object())  # type: ignore[arg-type]
    with pytest.raises(ka.ConfigurationError, match="token_url"):
        OAuth2("id", "secret", store=store, token_url="http://evil.example.com/token")


def test_from_env_reads_the_documented_variables(tmp_path: Path) -> None:
    env = {
        "KEAP_CLIENT_ID": "cid",
        "KEAP_CLIENT_SECRET": "csecret",
        "KEAP_TOKEN_FILE": str(tmp_path / "env.json"),
        "KEAP_TOKEN_URL": "http://127.0.0.1:9/token",
        "KEAP_REDIRECT_URI": "https://example.com/cb",
        "KEAP_AUTHORIZE_URL": "http://127.0.0.1:9/app/oauth/authorize",
    }
    oauth = OAuth2.from_env(env)
    assert oauth.authorize_url == "http://127.0.0.1:9/app/oauth/authorize"
    assert oauth.client_id == "cid"
    assert oauth.token_url == "http://127.0.0.1:9/token"
    assert oauth.redirect_uri == "https://example.com/cb"
    assert isinstance(oauth.store, FileTokenStore)
    assert oauth.store.path == tmp_path / "env.json"
    assert "csecret" not in repr(oauth)
    with pytest.raises(ka.ConfigurationError, match="KEAP_CLIENT_SECRET"):
        OAuth2.from_env({"KEAP_CLIENT_ID": "cid"})


def test_a_client_from_env_uses_oauth_when_there_is_no_key(tmp_path: Path) -> None:
    env = {"KEAP_CLIENT_ID": "cid", "KEAP_CLIENT_SECRET": "cs", "KEAP_TOKEN_FILE": "x.json"}
    client = ka.KeapClient.from_env(env)
    assert client._settings.auth is not None
    with pytest.raises(ka.ConfigurationError, match="KEAP_CLIENT_ID"):
        ka.KeapClient.from_env({})


def test_giving_both_a_key_and_oauth_is_refused(tmp_path: Path) -> None:
    oauth, _ = app(tmp_path)
    with pytest.raises(ka.ConfigurationError, match="not both"):
        ka.KeapClient("rest", "a-key", auth=oauth)


@pytest.mark.parametrize(
    ("expires_in", "lasts"),
    [(86400, timedelta(days=1)), ("86400", timedelta(days=1)), (None, timedelta(hours=1)),
     (0, timedelta(hours=1)), (-5, timedelta(hours=1)), ("soon", timedelta(hours=1)),
     (1e308, timedelta(days=366))],
)  # fmt: skip
def test_a_grant_with_an_odd_lifetime_keeps_its_refresh_token(
    tmp_path: Path, expires_in: object, lasts: timedelta
) -> None:
    """RFC 6749 section 5.1 only recommends ``expires_in``: its absence or oddity must not
    throw away the refresh token Keap has just issued (the old one is already spent)."""
    stored(tmp_path)
    body = {"access_token": "AT-odd-0123456789", "refresh_token": "RT-odd-0123456789"}
    if expires_in is not None:
        body["expires_in"] = expires_in  # type: ignore[assignment]
    oauth, _ = app(tmp_path, lambda _: httpx.Response(200, json=body))
    tokens = oauth.refresh()
    assert tokens.refresh_token == "RT-odd-0123456789"
    assert tokens.expires_at == T0 + lasts
    assert FileTokenStore(tmp_path / "t.json").load() == tokens
