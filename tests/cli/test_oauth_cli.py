"""``keap-adapter oauth authorize|refresh|status`` on a served fake, and account commands on
the tokens they keep. Every test ends with a leak scan: the client secret, every token the
fake issued and every code it gave appear in no output, in no spelling (tests/secret_echoes).
"""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from keap_adapter.auth import TOKEN_FILE, FileTokenStore, OAuth2, Tokens
from keap_adapter.cli import main
from keap_adapter.testing import FakeKeap

from ..secret_echoes import KEY, assert_hidden

REDIRECT_URI = "http://127.0.0.1:8765/callback"  # the one registered with the fake's app
AUTHORIZE = "keap-adapter oauth authorize"
# A client secret with every character the escapes disagree on (secret_echoes.KEY).
CLIENT_SECRET = KEY
OAUTH_VARS = (
    "KEAP_CLIENT_ID",
    "KEAP_CLIENT_SECRET",
    "KEAP_TOKEN_FILE",
    "KEAP_TOKEN_URL",
    "KEAP_REDIRECT_URI",
)


class OAuthCLI:
    """Runs ``keap-adapter`` with only the OAuth2 settings in the environment, keeping all
    it printed and every secret the fake handed out, for the leak scan at the end."""

    def __init__(
        self,
        fake: FakeKeap,
        server_url: str,
        token_file: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.fake, self.server_url, self.token_file = fake, server_url, token_file
        self.monkeypatch, self.capsys = monkeypatch, capsys
        self.printed: list[str] = []
        self.secrets: set[str] = {CLIENT_SECRET}

    def run(self, *argv: str, stdin: object = None) -> tuple[int, str, str]:
        """``keap-adapter ARGV`` with ``stdin`` (a str, or an object with ``readline``;
        by default one that fails the test if read): (status, stdout, stderr)."""
        if isinstance(stdin, str):
            stdin = io.StringIO(stdin)
        self.monkeypatch.setattr("sys.stdin", stdin if stdin is not None else NoStdin())
        status = main(list(argv))
        out, err = self.read_output()
        self.collect_secrets()
        return status, out, err

    def read_output(self) -> tuple[str, str]:
        captured = self.capsys.readouterr()
        self.printed += [captured.out, captured.err]
        return captured.out, captured.err

    def collect_secrets(self) -> None:
        """Every token saved so far, and every code or refresh token sent to the fake."""
        try:
            saved = json.loads(self.token_file.read_text())
        except (OSError, ValueError):
            saved = {}
        for name in ("access_token", "refresh_token"):
            if isinstance(saved, dict) and isinstance(saved.get(name), str):
                self.secrets.add(saved[name])
        for request in self.fake.oauth.token_requests:
            form = parse_qs(request.content.decode())
            for name in ("code", "refresh_token", "client_secret"):
                self.secrets.update(form.get(name, []))

    def check_no_leaks(self) -> None:
        self.read_output()
        self.collect_secrets()
        assert len(self.secrets) > 1 or not self.fake.oauth.token_requests
        for text in self.printed:
            for secret in self.secrets:
                assert_hidden(text, secret)

    def seed(self, *, issued_ago: timedelta, expires_in: timedelta) -> Tokens:
        """Tokens the fake granted, stored with these times (relative to the wall clock)."""
        answer = self.fake.oauth.grant()
        now = datetime.now(timezone.utc)
        tokens = Tokens(
            str(answer["access_token"]),
            str(answer["refresh_token"]),
            expires_at=now + expires_in,
            issued_at=now - issued_ago,
        )
        FileTokenStore(self.token_file).save(tokens)
        self.secrets.update((tokens.access_token, tokens.refresh_token))
        return tokens

    def stored(self) -> Tokens:
        tokens = FileTokenStore(self.token_file).load()
        assert tokens is not None
        return tokens

    def browser(self, paste: Callable[[str], str] = lambda location: location) -> Browser:
        return Browser(self, paste)


class Browser:
    """Stands in for the person at the prompt: opens the authorization URL the command
    printed (on the fake's consent step, which answers "Allow") and pastes back what
    ``paste`` makes of the redirect URL."""

    def __init__(self, cli: OAuthCLI, paste: Callable[[str], str]) -> None:
        self.cli, self.paste = cli, paste
        self.opened: str | None = None

    def readline(self) -> str:
        out, _ = self.cli.read_output()  # what the command printed before reading
        self.opened = next(
            line.strip() for line in out.splitlines() if line.strip().startswith("https://")
        )
        url = urlsplit(self.opened)
        assert f"{url.scheme}://{url.netloc}{url.path}" == (
            "https://accounts.infusionsoft.com/app/oauth/authorize"
        )
        consent = httpx.get(f"{self.cli.server_url}{url.path}?{url.query}")
        assert consent.status_code == 302, consent.text
        location = consent.headers["location"]
        self.cli.secrets.update(parse_qs(urlsplit(location).query)["code"])
        return self.paste(location) + "\n"


class NoStdin:
    def readline(self) -> str:
        raise AssertionError("stdin was read")


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[OAuthCLI]:
    """A served fake; the env holds its OAuth2 app (no KEAP_API_KEY); the leak scan at the end."""
    fake = FakeKeap()
    fake.oauth.client_secret = CLIENT_SECRET
    token_file = tmp_path / "secrets" / "keap-tokens.json"  # the folder is created on save
    with fake.serve(host="127.0.0.1", port=0) as server:
        for name in ("KEAP_API_KEY", "KEAP_BACKEND", "KEAP_XMLRPC_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("KEAP_CLIENT_ID", fake.oauth.client_id)
        monkeypatch.setenv("KEAP_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("KEAP_TOKEN_FILE", str(token_file))
        monkeypatch.setenv("KEAP_TOKEN_URL", f"{server.url}/token")
        monkeypatch.setenv("KEAP_REDIRECT_URI", REDIRECT_URI)
        monkeypatch.setenv("KEAP_BASE_URL", f"{server.url}/crm")
        harness = OAuthCLI(fake, server.url, token_file, monkeypatch, capsys)
        yield harness
        harness.check_no_leaks()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


# ------------------------------------------------------------------ authorize


def test_authorize_reads_the_whole_redirect_url(cli: OAuthCLI) -> None:
    browser = cli.browser()
    status, out, err = cli.run("oauth", "authorize", stdin=browser)
    assert (status, err) == (0, "")
    assert browser.opened is not None
    sent = parse_qs(urlsplit(browser.opened).query)
    assert sent["client_id"] == ["fake-client-id"] and sent["redirect_uri"] == [REDIRECT_URI]
    assert sent["response_type"] == ["code"] and len(sent["state"][0]) >= 16  # random
    tokens = cli.stored()
    assert cli.fake.oauth.exchanges == 1
    assert out.startswith(f"authorized: tokens saved to {cli.token_file}; ")
    assert len(out.splitlines()) == 1
    assert f"the access token expires {_iso(tokens.expires_at)}" in out
    assert f"issued {_iso(tokens.issued_at)}" in out
    assert _iso(tokens.issued_at + timedelta(days=45)) in out
    assert stat.S_IMODE(cli.token_file.stat().st_mode) == 0o600


def test_each_run_sends_a_new_random_state(cli: OAuthCLI) -> None:
    states = []
    for _ in range(2):
        browser = cli.browser()
        assert cli.run("oauth", "authorize", stdin=browser)[0] == 0
        assert browser.opened is not None
        states.append(parse_qs(urlsplit(browser.opened).query)["state"][0])
    assert states[0] != states[1]


def test_authorize_reads_a_pasted_code(cli: OAuthCLI) -> None:
    browser = cli.browser(lambda location: parse_qs(urlsplit(location).query)["code"][0])
    status, out, err = cli.run("oauth", "authorize", "--state", "my-state", stdin=browser)
    assert (status, err) == (0, "")
    assert browser.opened is not None and "state=my-state" in browser.opened
    assert f"expires {_iso(cli.stored().expires_at)}" in out


def test_authorize_takes_the_redirect_url_from_code_instead_of_stdin(cli: OAuthCLI) -> None:
    location = cli.fake.oauth.authorize(REDIRECT_URI, "from-an-earlier-run")
    cli.secrets.update(parse_qs(urlsplit(location).query)["code"])
    argv = ("oauth", "authorize", "--state", "from-an-earlier-run", "--code", location)
    status, out, err = cli.run(*argv)  # NoStdin: reading stdin would fail
    assert (status, err) == (0, "")
    assert out.startswith("authorized: ") and "https://" not in out  # no URL to open
    assert cli.fake.oauth.exchanges == 1


def test_a_redirect_url_with_a_state_needs_the_state_it_was_sent_with(cli: OAuthCLI) -> None:
    location = cli.fake.oauth.authorize(REDIRECT_URI, "from-an-earlier-run")
    cli.secrets.update(parse_qs(urlsplit(location).query)["code"])
    status, _, err = cli.run("oauth", "authorize", "--code", location)
    assert status == 2 and "no --state was given" in err
    assert not cli.token_file.exists() and cli.fake.oauth.token_requests == []


def _other_state(location: str) -> str:
    url = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(url.query).items()} | {"state": "attacker-state"}
    return url._replace(query=urlencode(query)).geturl()


def _no_state(location: str) -> str:
    url = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(url.query).items() if k != "state"}
    return url._replace(query=urlencode(query)).geturl()


def test_a_redirect_url_stripped_of_its_state_is_refused(cli: OAuthCLI) -> None:
    status, _, err = cli.run("oauth", "authorize", stdin=cli.browser(_no_state))
    assert status == 2 and "carries no state" in err and "CSRF" in err
    assert not cli.token_file.exists()
    assert cli.fake.oauth.token_requests == []


def test_a_state_that_differs_is_refused(cli: OAuthCLI) -> None:
    status, _, err = cli.run("oauth", "authorize", stdin=cli.browser(_other_state))
    assert status == 2
    assert err.startswith("keap-adapter: the state in the redirect URL is not the one sent")
    assert "CSRF" in err and len(err.splitlines()) == 1
    assert not cli.token_file.exists()
    assert cli.fake.oauth.token_requests == []  # the code was never exchanged


def test_a_denied_consent_exits_1_and_stores_nothing(cli: OAuthCLI) -> None:
    denied = f"{REDIRECT_URI}?error=access_denied&error_description=The+user+said+no"
    status, _, err = cli.run("oauth", "authorize", stdin=denied + "\n")
    assert status == 1
    assert err == "keap-adapter: Keap did not grant access (access_denied); nothing was stored\n"
    assert not cli.token_file.exists()


@pytest.mark.parametrize(
    ("pasted", "said"),
    [
        ("", "no code given"),
        ("\n", "no code given"),
        (f"{REDIRECT_URI}?state=x", "no code="),
        (f"{REDIRECT_URI}?code=a&code=b", "more than one code="),
    ],
)
def test_a_paste_without_one_code_exits_2(cli: OAuthCLI, pasted: str, said: str) -> None:
    status, _, err = cli.run("oauth", "authorize", "--state", "x", stdin=pasted)
    assert status == 2 and said in err
    assert cli.fake.oauth.token_requests == []


def test_a_refused_code_exits_1_without_quoting_it(cli: OAuthCLI) -> None:
    code = "code-never-issued-by-the-fake"
    cli.secrets.add(code)
    status, _, err = cli.run("oauth", "authorize", stdin=code + "\n")
    assert status == 1
    assert "AuthenticationError" in err and "authorization code" in err and AUTHORIZE in err
    assert not cli.token_file.exists()


def test_authorize_needs_a_redirect_uri(cli: OAuthCLI) -> None:
    cli.monkeypatch.delenv("KEAP_REDIRECT_URI")
    status, out, err = cli.run("oauth", "authorize")
    assert (status, out) == (2, "")
    assert "--redirect-uri" in err and "KEAP_REDIRECT_URI" in err
    browser = cli.browser()
    status, _, err = cli.run("oauth", "authorize", "--redirect-uri", REDIRECT_URI, stdin=browser)
    assert (status, err) == (0, "")
    assert browser.opened is not None
    assert parse_qs(urlsplit(browser.opened).query)["redirect_uri"] == [REDIRECT_URI]


@pytest.mark.parametrize("verb", ["authorize", "refresh"])
@pytest.mark.parametrize("missing", ["KEAP_CLIENT_ID", "KEAP_CLIENT_SECRET"])
def test_a_missing_client_setting_exits_2_naming_it(cli: OAuthCLI, verb: str, missing: str) -> None:
    cli.monkeypatch.delenv(missing)
    status, out, err = cli.run("oauth", verb)
    assert (status, out) == (2, "")
    assert err.startswith(f"keap-adapter: {missing} not set")
    assert cli.fake.oauth.token_requests == []


def test_a_plain_http_token_url_off_loopback_exits_2(cli: OAuthCLI) -> None:
    cli.monkeypatch.setenv("KEAP_TOKEN_URL", "http://example.com/token")
    status, _, err = cli.run("oauth", "refresh")
    assert status == 2 and "token_url" in err and "https" in err


# ------------------------------------------------------------------ refresh


def test_refresh_rotates_the_tokens_whatever_their_expiry(cli: OAuthCLI) -> None:
    assert cli.run("oauth", "authorize", stdin=cli.browser())[0] == 0  # fresh: 24 hours left
    before = cli.token_file.read_bytes()
    old = cli.stored()
    status, out, err = cli.run("oauth", "refresh")
    assert (status, err) == (0, "")
    assert cli.fake.oauth.refreshes == 1
    assert cli.token_file.read_bytes() != before
    new = cli.stored()
    assert new.refresh_token != old.refresh_token and new.access_token != old.access_token
    assert out.startswith(f"refreshed: tokens saved to {cli.token_file}; ")
    assert f"the access token expires {_iso(new.expires_at)}" in out


def test_refresh_renews_an_idle_apps_tokens(cli: OAuthCLI) -> None:
    old = cli.seed(issued_ago=timedelta(days=40), expires_in=-timedelta(days=39))
    status, out, _ = cli.run("oauth", "refresh")
    assert status == 0 and cli.fake.oauth.refreshes == 1
    new = cli.stored()
    assert new.issued_at > old.issued_at + timedelta(days=39)
    assert f"the refresh token was issued {_iso(new.issued_at)}" in out
    assert _iso(old.issued_at) not in out


def test_refresh_json_prints_the_new_times(cli: OAuthCLI) -> None:
    cli.seed(issued_ago=timedelta(days=3), expires_in=timedelta(hours=1))
    status, out, _ = cli.run("oauth", "refresh", "--json")
    assert status == 0
    new = cli.stored()
    report = json.loads(out)
    assert report["token_file"] == str(cli.token_file) and report["stored"] is True
    assert report["access_expires_at"] == _iso(new.expires_at)
    assert report["refresh_issued_at"] == _iso(new.issued_at)
    assert report["access_expired"] is False and report["refresh_expired"] is False


def test_a_refused_refresh_exits_1_and_leaves_the_token_file_alone(cli: OAuthCLI) -> None:
    cli.seed(issued_ago=timedelta(days=1), expires_in=timedelta(hours=2))
    before = cli.token_file.read_bytes()
    cli.fake.oauth.revoke()
    status, out, err = cli.run("oauth", "refresh")
    assert (status, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert "AuthenticationError" in err and "refresh token" in err and AUTHORIZE in err
    assert cli.token_file.read_bytes() == before
    assert cli.fake.oauth.refreshes == 0 and cli.fake.oauth.refused == 1


def test_refresh_without_tokens_says_to_authorize(cli: OAuthCLI) -> None:
    status, out, err = cli.run("oauth", "refresh")
    assert (status, out) == (1, "")
    assert "no tokens stored" in err and AUTHORIZE in err
    assert cli.fake.oauth.token_requests == []


# ------------------------------------------------------------------ status


def test_status_before_and_after_authorize(cli: OAuthCLI) -> None:
    status, out, err = cli.run("oauth", "status")
    assert (status, out) == (1, "")
    assert err == (
        "keap-adapter: no tokens stored; run keap-adapter oauth authorize "
        f"(token file: {cli.token_file})\n"
    )
    status, out, _ = cli.run("oauth", "status", "--json")
    assert status == 1
    assert json.loads(out) == {"token_file": str(cli.token_file), "stored": False}

    assert cli.run("oauth", "authorize", stdin=cli.browser())[0] == 0
    tokens = cli.stored()
    status, out, err = cli.run("oauth", "status")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"token file: {cli.token_file}"
    assert lines[1].startswith(f"access token: expires {_iso(tokens.expires_at)} (in 23 hours")
    assert lines[2].startswith(f"refresh token: issued {_iso(tokens.issued_at)} (0 days old)")
    assert f"after {_iso(tokens.issued_at + timedelta(days=30))} (in 29 days" in lines[2]
    assert f"expires {_iso(tokens.issued_at + timedelta(days=45))} (in 44 days" in lines[2]

    status, out, _ = cli.run("oauth", "status", "--json")
    assert status == 0
    report = json.loads(out)
    assert report["token_file"] == str(cli.token_file) and report["stored"] is True
    assert report["access_expires_at"] == _iso(tokens.expires_at)
    assert report["access_expired"] is False
    assert 86000 < report["access_expires_in_seconds"] <= 86400
    assert report["refresh_issued_at"] == _iso(tokens.issued_at)
    assert 0 <= report["refresh_age_days"] < 0.01
    assert report["refresh_rollover_at"] == _iso(tokens.issued_at + timedelta(days=30))
    assert report["refresh_expires_at"] == _iso(tokens.issued_at + timedelta(days=45))
    assert report["refresh_expired"] is False
    for name in report:
        if name.endswith("_at"):
            assert datetime.fromisoformat(report[name]).utcoffset() == timedelta(0)
    assert cli.fake.oauth.refreshes == 0  # status never refreshes


def test_status_of_tokens_due_for_rollover(cli: OAuthCLI) -> None:
    cli.seed(issued_ago=timedelta(days=31), expires_in=-timedelta(days=2))
    status, out, err = cli.run("oauth", "status")
    assert (status, err) == (0, "")  # still usable: the next call refreshes them
    assert "access token: expired " in out and "(2 days ago)" in out
    assert "(31 days old); due for rollover since" in out
    report = json.loads(cli.run("oauth", "status", "--json")[1])
    assert report["access_expired"] is True and report["access_expires_in_seconds"] < 0
    assert 31 <= report["refresh_age_days"] < 31.01 and report["refresh_expired"] is False


def test_status_of_an_expired_refresh_token_exits_1(cli: OAuthCLI) -> None:
    cli.seed(issued_ago=timedelta(days=46), expires_in=-timedelta(days=45))
    status, out, err = cli.run("oauth", "status")
    assert status == 1
    assert "(46 days old); expired " in out and "(1 day ago)" in out
    assert err == f"keap-adapter: the refresh token has expired; run {AUTHORIZE}\n"
    status, out, _ = cli.run("oauth", "status", "--json")
    assert status == 1 and json.loads(out)["refresh_expired"] is True


def test_status_needs_only_the_token_file(cli: OAuthCLI) -> None:
    cli.seed(issued_ago=timedelta(days=1), expires_in=timedelta(hours=3))
    for name in ("KEAP_CLIENT_ID", "KEAP_CLIENT_SECRET", "KEAP_TOKEN_URL"):
        cli.monkeypatch.delenv(name)
    status, out, _ = cli.run("oauth", "status")
    assert status == 0 and "(in 2 hours 59 minutes)" in out


def test_an_unreadable_token_file_exits_2_quoting_nothing(cli: OAuthCLI) -> None:
    cli.token_file.parent.mkdir(parents=True)
    cli.token_file.write_text('{"access_token": "at-half-written')
    cli.secrets.add("at-half-written")
    for verb in ("status", "refresh", "authorize"):  # authorize: before asking for a code
        status, out, err = cli.run("oauth", verb)
        assert (status, out) == (2, "") and "is not JSON" in err, verb
    assert cli.fake.oauth.token_requests == []


# ------------------------------------------------------------------ account commands


def test_account_commands_use_the_authorized_app_without_a_key(cli: OAuthCLI) -> None:
    assert cli.run("oauth", "authorize", stdin=cli.browser())[0] == 0
    status, out, err = cli.run("contacts", "create", "--email", "ada@example.com")
    assert (status, err) == (0, "")
    created = json.loads(out)
    bearer = cli.fake.requests[-1].headers["authorization"]
    assert bearer == f"Bearer {cli.stored().access_token}"

    cli.fake.oauth.expire_access_tokens()  # Keap now answers 401: refreshed, then retried
    status, out, err = cli.run("contacts", "get", str(created["id"]))
    assert (status, err) == (0, "")
    assert json.loads(out) == created
    assert cli.fake.oauth.refreshes == 1


def test_an_account_command_after_a_revoke_says_to_authorize(cli: OAuthCLI) -> None:
    cli.seed(issued_ago=timedelta(days=1), expires_in=timedelta(hours=3))
    cli.fake.oauth.revoke()
    status, out, err = cli.run("tags", "list")
    assert (status, out) == (1, "")
    assert AUTHORIZE in err


# ------------------------------------------------------------------ help


def test_the_top_level_help_describes_the_oauth_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out  # each variable's own line: tests/cli/test_person.py
    assert "without it, account commands use OAuth2" in " ".join(out.split())


def test_the_default_token_file_is_the_librarys() -> None:
    oauth = OAuth2.from_env({"KEAP_CLIENT_ID": "id", "KEAP_CLIENT_SECRET": "secret"})
    try:
        assert getattr(oauth.store, "path", None) == Path(TOKEN_FILE)
    finally:
        oauth.close()
