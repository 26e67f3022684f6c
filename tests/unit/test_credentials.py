from __future__ import annotations

import json

import pytest

from koe.credentials import (
    Connection,
    CredentialError,
    Credentials,
    location,
    parse_connection,
)


def test_environment_variable_wins_over_the_connection() -> None:
    creds = Credentials(env={"KOE_X": " token ", "AIRFLOW_CONN_KOE_X": "http://login:pw@host"})
    assert creds.get("KOE_X", "koe_x") == "token"
    assert creds.get("MISSING", "koe_x") == "pw"
    assert creds.get("MISSING", "koe_x", "login") == "login"
    assert creds.get("  ", None) is None


def test_connection_uri_and_json_forms() -> None:
    uri = parse_connection("generic://my%40id:p%2Fw@api.example.test?region=jp")
    assert (uri.login, uri.password, uri.host, uri.get("region")) == (
        "my@id", "p/w", "api.example.test", "jp")
    data = parse_connection(json.dumps({"conn_type": "http", "login": "id", "password": "pw",
                                        "extra": json.dumps({"app": "koe"})}))
    assert (data.login, data.password, data.get("app")) == ("id", "pw", "koe")


def test_an_installed_lookup_answers_when_the_environment_does_not() -> None:
    calls: list[str] = []

    def lookup(conn_id: str) -> Connection | None:
        calls.append(conn_id)
        return Connection(login="from-airflow", password="secret") if conn_id == "koe" else None

    creds = Credentials(env={}, connections=lookup)
    assert creds.get(None, "koe") == "secret"
    assert creds.get(None, "other") is None
    assert calls == ["koe", "other"]


def test_require_names_the_variable_the_connection_and_how_to_get_it() -> None:
    creds = Credentials(env={})
    with pytest.raises(CredentialError) as info:
        creds.require("reddit", "client id", "KOE_REDDIT_CLIENT_ID", "reddit_app", "login",
                      how="create an app at https://www.reddit.com/prefs/apps")
    message = str(info.value)
    assert message.startswith("reddit: client id is missing")
    assert "KOE_REDDIT_CLIENT_ID" in message and "'reddit_app'" in message
    assert "'login'" in message and "prefs/apps" in message


def test_a_broken_connection_variable_is_a_clear_error() -> None:
    creds = Credentials(env={"AIRFLOW_CONN_BROKEN": "{not json"})
    with pytest.raises(CredentialError, match="AIRFLOW_CONN_BROKEN is not a connection"):
        creds.get(None, "broken")


def test_location_names_the_variables_and_the_connection() -> None:
    assert location(["KOE_X_BEARER_TOKEN"], None) == "KOE_X_BEARER_TOKEN"
    assert location(["KOE_H", "KOE_P"], "bsky", "login/password") == (
        "KOE_H and KOE_P (or the login/password of Airflow connection 'bsky')")
