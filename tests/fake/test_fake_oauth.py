"""The fake's token endpoint behaves like Keap's (Keap's OAuth2 guide; token answers as in
infusionsoft/infusionsoft-php issues #61 and #273), spoken to with plain httpx."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from keap_adapter.testing import FakeKeap

T0 = datetime(2026, 2, 1, tzinfo=timezone.utc)
REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def fake() -> FakeKeap:
    keap = FakeKeap()
    keap.now = lambda: T0
    return keap


def post(fake: FakeKeap, form: dict[str, str], *, basic: bool = True) -> httpx.Response:
    url = "https://api.infusionsoft.com/token"
    with httpx.Client(transport=fake.transport) as http:
        if not basic:
            return http.post(url, data=form)
        return http.post(url, data=form, auth=(fake.oauth.client_id, fake.oauth.client_secret))


def refresh(fake: FakeKeap, token: str) -> httpx.Response:
    return post(fake, {"grant_type": "refresh_token", "refresh_token": token})


def test_consent_redirects_with_a_single_use_code_that_buys_tokens(fake: FakeKeap) -> None:
    with httpx.Client(transport=fake.transport) as http:
        consent = http.get(
            "https://accounts.infusionsoft.com/app/oauth/authorize",
            params={"client_id": fake.oauth.client_id, "response_type": "code",
                    "redirect_uri": REDIRECT, "scope": "full", "state": "st"},
        )  # fmt: skip
    assert consent.status_code == 302
    landed = httpx.URL(consent.headers["location"])
    assert landed.params["state"] == "st"
    form = {
        "grant_type": "authorization_code",
        "code": landed.params["code"],
        "redirect_uri": REDIRECT,
        "client_id": fake.oauth.client_id,
        "client_secret": fake.oauth.client_secret,
    }
    answer = post(fake, form, basic=False)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86400
    assert body["scope"].startswith("full|")
    again = post(fake, form, basic=False)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_refresh_token_works_once_and_needs_basic_client_credentials(fake: FakeKeap) -> None:
    token = str(fake.oauth.grant()["refresh_token"])
    in_form = post(
        fake,
        {"grant_type": "refresh_token", "refresh_token": token,
         "client_id": fake.oauth.client_id, "client_secret": fake.oauth.client_secret},
        basic=False,
    )  # fmt: skip
    assert (in_form.status_code, in_form.json()["error"]) == (401, "invalid_client")
    first = refresh(fake, token)
    assert first.status_code == 200
    assert first.json()["refresh_token"] != token
    spent = refresh(fake, token)
    assert (spent.status_code, spent.json()["error"]) == (400, "invalid_grant")
    assert (fake.oauth.refreshes, fake.oauth.refused) == (1, 2)


def test_tokens_expire_on_the_fakes_clock(fake: FakeKeap) -> None:
    granted = fake.oauth.grant()
    access, token = str(granted["access_token"]), str(granted["refresh_token"])
    assert fake.oauth.accepts(access)
    fake.now = lambda: T0 + timedelta(hours=24)
    assert not fake.oauth.accepts(access)
    fake.now = lambda: T0 + timedelta(days=45)
    assert refresh(fake, token).json()["error"] == "invalid_grant"


def test_api_calls_take_a_live_access_token_and_refuse_others(fake: FakeKeap) -> None:
    access = str(fake.oauth.grant()["access_token"])
    with httpx.Client(transport=fake.transport) as http:
        url = "https://api.infusionsoft.com/crm/rest/v2/tags"
        ok = http.get(url, headers={"Authorization": f"Bearer {access}"})
        fake.oauth.revoke()
        refused = http.get(url, headers={"Authorization": f"Bearer {access}"})
    assert (ok.status_code, refused.status_code) == (200, 401)
