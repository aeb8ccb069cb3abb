"""Dashboard users, password hashes, the dashboard secret and the identity tokens kernels verify."""

from __future__ import annotations

import os
import time

import pytest

from thrive_analytics.cli import main
from thrive_analytics.dashboard import auth, sign_in
from thrive_analytics.dashboard.server import kernel_environment
from thrive_analytics.exceptions import ConfigurationError, NotFoundError, PermissionDeniedError
from thrive_analytics.warehouse import schema

from .conftest import PASSWORD, build_site_warehouse

KERNEL = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('auth') / 'thrive.sqlite'}"
    warehouse = build_site_warehouse(url, clients=4)
    orgs = warehouse.organizations()
    return warehouse, url, orgs["slug"][0], orgs["slug"][1]


def stored_hash(warehouse, email: str) -> str:
    users = schema.users
    with warehouse.system() as conn:
        return conn.execute(users.select().where(users.c.email == email)).mappings().one()["password_hash"]


def test_passwords_are_stored_as_argon2_hashes_never_in_plain(site):
    warehouse, _url, org, _other = site
    auth.add_user(warehouse, org, "Hash.Check@Example.org", "admin", PASSWORD)
    stored = stored_hash(warehouse, "hash.check@example.org")  # e-mails are kept lower-case
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.authenticate(warehouse, "hash.check@example.org", PASSWORD).role == "admin"
    assert auth.authenticate(warehouse, "HASH.CHECK@example.org", PASSWORD) is not None
    assert auth.authenticate(warehouse, "hash.check@example.org", PASSWORD + "x") is None
    assert auth.authenticate(warehouse, "nobody@example.org", PASSWORD) is None
    listed = auth.list_users(warehouse, org)
    assert "password_hash" not in listed.columns
    assert not listed.astype(str).apply(lambda c: c.str.contains(r"\$argon2")).any().any()
    with pytest.raises(ConfigurationError, match="at least 10 characters"):
        auth.add_user(warehouse, org, "short@example.org", "admin", "short")


def test_a_new_password_or_a_disabled_account_ends_sessions(site):
    warehouse, _url, org, _other = site
    auth.add_user(warehouse, org, "session@example.org", "account_manager", PASSWORD)
    before = auth.lookup(warehouse, "session@example.org")
    auth.set_password(warehouse, org, "session@example.org", "another long password")
    after = auth.lookup(warehouse, "session@example.org")
    assert before.tag != after.tag  # the login cookie carries the tag: old cookies stop working
    auth.set_active(warehouse, org, "session@example.org", False)
    assert auth.lookup(warehouse, "session@example.org") is None
    assert auth.authenticate(warehouse, "session@example.org", "another long password") is None


def test_a_client_viewer_names_a_client_of_their_organisation(site):
    warehouse, _url, org, other = site
    with warehouse.scoped(other) as session:
        foreign = session.clients()["slug"].iloc[0]
    with pytest.raises(NotFoundError):
        auth.add_user(warehouse, org, "v@example.org", "client_viewer", PASSWORD, client=foreign)
    with pytest.raises(ConfigurationError, match="client viewer needs --client"):
        auth.add_user(warehouse, org, "v@example.org", "client_viewer", PASSWORD)


def test_narrowing_picks_a_client_for_the_agency_and_never_moves_a_client_viewer(site):
    """What a page's ``?client=`` does, by slug or by id: the agency's viewer is narrowed to that client; a
    client viewer stays on their own (so a report or dashboard page cannot be pointed at another client)."""
    warehouse, url, org, _other = site
    with warehouse.scoped(org) as session:
        clients = session.clients()
    own, other = clients.iloc[0], clients.iloc[1]
    auth.add_user(warehouse, org, "narrow-viewer@example.org", "client_viewer", PASSWORD, client=own["slug"])
    agency = sign_in(org=org, database_url=url)
    viewer = sign_in(org=org, user="narrow-viewer@example.org", database_url=url)
    assert viewer.client_id == int(own["id"])
    for key in (other["slug"], int(other["id"]), str(other["id"])):
        assert viewer.narrowed(key) == viewer
        narrowed = agency.narrowed(key)
        assert (narrowed.client, narrowed.client_id) == (other["slug"], int(other["id"]))


def test_thrive_users_reads_the_password_from_stdin_never_argv(site, monkeypatch, capsys):
    import io

    _warehouse, url, org, _other = site
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    args = ["users", "add", "--db", url, "--org", org, "--email", "cli@example.org", "--role", "admin"]
    assert main([*args, "--password-stdin"]) == 0
    assert "Added cli@example.org" in capsys.readouterr().out
    assert main([*args[:-4], "--email", "x@example.org", "--role", "admin", "--password", PASSWORD]) == 2
    assert main(["users", "list", "--db", url, "--org", org, "--json"]) == 0
    out = capsys.readouterr().out
    assert "cli@example.org" in out and "argon2" not in out


def test_tokens_are_signed_bound_to_their_kernel_and_expire():
    secret = os.urandom(32)
    who = auth.Identity("a@example.org", "admin", "org-a", 1, name="A", org_name="Org A")
    header = auth.header_token(secret, who)
    assert auth.read_header_token(secret, header) == auth.Identity.from_claims(who.claims())
    with pytest.raises(PermissionDeniedError):
        auth.read_header_token(os.urandom(32), header)  # another server's secret
    body, mac = header.split(".")
    forged = auth._b64(auth._unb64(body).replace(b'"admin"', b'"owner"')) + "." + mac
    with pytest.raises(PermissionDeniedError):
        auth.read_header_token(secret, forged)
    token = auth.kernel_token(secret, who, KERNEL)
    key = auth.kernel_key(secret, KERNEL)
    assert auth.read_kernel_token(key, token, KERNEL).user == who.user
    with pytest.raises(PermissionDeniedError, match="another page"):
        auth.read_kernel_token(auth.kernel_key(secret, KERNEL), token, "another-kernel")
    with pytest.raises(PermissionDeniedError):
        auth.read_kernel_token(auth.kernel_key(secret, "another-kernel"), token, KERNEL)
    with pytest.raises(PermissionDeniedError):  # a header token is not a kernel token
        auth.read_kernel_token(key, header, KERNEL)
    claims = auth.unsign(bytes.fromhex(key), token, purpose="kernel")
    with pytest.raises(PermissionDeniedError, match="expired"):
        auth.unsign(bytes.fromhex(key), token, purpose="kernel", now=claims["exp"] + 1)
    assert time.time() < claims["exp"]


def test_the_secret_file_is_private_and_made_once(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    path = tmp_path / "var" / "dashboard-secret"
    first = auth.load_secret(path)
    assert path.stat().st_mode & 0o777 == 0o600 and auth.load_secret(path) == first
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        auth.load_secret(path)
    monkeypatch.setenv(auth.SECRET_ENV, "x" * 40)
    assert auth.load_secret(path) == b"x" * 40
    monkeypatch.setenv(auth.SECRET_ENV, "short")
    with pytest.raises(ConfigurationError, match="at least 32"):
        auth.load_secret(path)


def test_kernels_get_no_secret_and_no_other_request(monkeypatch):
    env = {
        "PATH": "/usr/bin",
        "THRIVE_DATABASE_URL": "sqlite:///x",
        auth.SECRET_ENV: "s" * 40,
        "AWS_SECRET_ACCESS_KEY": "k",
        "JUPYTER_TOKEN": "t",
        "PGPASSWORD": "p",
        "VOILA_REQUEST_URL": "http://host/voila/render/x.ipynb?token=abc",
        auth.IDENTITY_ENV: "forged",
    }
    preheated = kernel_environment(env, preheated=True)
    assert set(preheated) == {"PATH", "THRIVE_DATABASE_URL"}
    assert "VOILA_REQUEST_URL" in kernel_environment(env, preheated=False)


def test_sign_in_outside_the_server_is_a_local_context_that_only_narrows(site, monkeypatch):
    warehouse, url, org, other = site
    for name in ("VOILA_PREHEAT", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    analyst = sign_in(org=org, database_url=url)
    assert (analyst.user, analyst.role, analyst.client) == ("analyst", "admin", None)
    with pytest.raises(ConfigurationError, match="needs org="):
        sign_in(database_url=url)
    with warehouse.scoped(org) as session:
        mine = session.clients()["slug"].tolist()
    with warehouse.scoped(other) as session:
        foreign = session.clients()["slug"].iloc[0]
    narrowed = sign_in(org=org, client=mine[1], database_url=url)
    assert narrowed.client == mine[1] and not narrowed.may_see_client(mine[0])
    with pytest.raises(NotFoundError):
        sign_in(org=org, client=foreign, database_url=url)
    auth.add_user(warehouse, org, "viewer.local@example.org", "client_viewer", PASSWORD, client=mine[0])
    viewer = sign_in(org=org, user="viewer.local@example.org", database_url=url)
    assert viewer.scope.client_id == viewer.client_id and viewer.client == mine[0]
    with pytest.raises(PermissionDeniedError):
        sign_in(org=org, user="viewer.local@example.org", client=mine[1], database_url=url)
    with pytest.raises(NotFoundError):  # a user of one organisation is not a user of another
        sign_in(org=other, user="viewer.local@example.org", database_url=url)


def test_under_a_voila_that_does_not_sign_identities_sign_in_refuses(monkeypatch):
    from thrive_analytics.dashboard import context

    monkeypatch.setattr(context, "_signed_in", None)
    monkeypatch.setenv("VOILA_KERNEL_ID", KERNEL)
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.delenv(auth.KERNEL_KEY_ENV, raising=False)
    with pytest.raises(PermissionDeniedError, match="thrive dashboard"):
        sign_in(org="anything")
    secret = os.urandom(32)
    monkeypatch.setenv(auth.KERNEL_KEY_ENV, auth.kernel_key(secret, KERNEL))
    monkeypatch.setenv(
        auth.IDENTITY_ENV, auth.kernel_token(secret, auth.Identity("x@e.org", "admin", "o", 1), "other")
    )
    with pytest.raises(PermissionDeniedError, match="not valid"):  # signed with the other kernel's key
        sign_in(org="anything")
    monkeypatch.setenv(
        auth.IDENTITY_ENV, auth.kernel_token(secret, auth.Identity("x@e.org", "admin", "o", 1), KERNEL)
    )
    viewer = sign_in(org="another-org", user="someone@else.org")  # arguments cannot change who signed in
    assert (viewer.user, viewer.org, viewer.org_id) == ("x@e.org", "o", 1)
    assert auth.IDENTITY_ENV not in os.environ  # consumed once
