"""Dashboard users and the identity the dashboard server hands to a kernel.

* **Passwords** are stored in ``users.password_hash`` as argon2id hashes (argon2-cffi), never in plain text;
  a hash made with older parameters is replaced at the next successful sign-in.
* **The secret** (``THRIVE_DASHBOARD_SECRET``, else ``var/dashboard-secret`` created once with 0600 permissions)
  stays in the server process. Every key is derived from it: the login cookie's, the identity header's, and
  one key per kernel (``kernel_key``), which is the only key a kernel ever holds.
* **Identity tokens** are ``base64url(JSON claims).hex(HMAC-SHA256)``. The server puts a *header token* (signed
  with the header key) on every page request, overwriting anything the browser sent; when it hands a kernel to
  that request it converts it into a *kernel token* bound to that kernel's id and signed with that kernel's key.
  The kernel verifies the kernel token (signature, its own kernel id, expiry) after ``wait_for_request``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from .. import settings
from ..exceptions import ConfigurationError, NotFoundError, PermissionDeniedError, require
from ..warehouse import Warehouse, schema

SECRET_ENV = "THRIVE_DASHBOARD_SECRET"
SECRET_FILE = "dashboard-secret"
IDENTITY_HEADER = "X-Thrive-Identity"
IDENTITY_ENV = "HTTP_X_THRIVE_IDENTITY"  # how Voila's http_header_envs names the header in the kernel
KERNEL_KEY_ENV = "THRIVE_KERNEL_KEY"
# A header token never leaves the server process (it is converted into a kernel token before a kernel sees it),
# but it may wait for a preheated kernel that is still warming up under load.
HEADER_TOKEN_SECONDS = 600
KERNEL_TOKEN_SECONDS = 600  # a kernel started for a request (no preheating) may take a while to import
MIN_PASSWORD_LENGTH = 10


# --- the secret and the keys derived from it ------------------------------------------------------------


def load_secret(path: Path | None = None) -> bytes:
    """The dashboard secret: THRIVE_DASHBOARD_SECRET, else ``var/dashboard-secret`` (made once, mode 0600).

    A file readable by other users of the machine is refused (one sentence saying how to fix it)."""
    raw = os.environ.get(SECRET_ENV)
    if raw:
        if len(raw) < 32:
            raise ConfigurationError(f"{SECRET_ENV} must be at least 32 characters long, got {len(raw)}.")
        return raw.encode()
    path = path or settings.home() / "var" / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another server created it at the same moment: read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"The dashboard secret {path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < 32:
        raise ConfigurationError(f"The dashboard secret {path} is too short; delete it to make a new one.")
    return value.encode()


def derive(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the dashboard secret (HMAC-SHA256)."""
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def kernel_key(secret: bytes, kernel_id: str) -> str:
    """The key of one kernel (hex): it signs that kernel's identity tokens and proves its request channel."""
    return derive(secret, f"kernel:{kernel_id}").hex()


def query_proof(key_hex: str) -> str:
    """What a kernel shows to collect its request information: proves it holds its kernel key."""
    return hmac.new(bytes.fromhex(key_hex), b"request-info", hashlib.sha256).hexdigest()


# --- identity tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who a request (or a kernel) serves, as looked up in the warehouse for that request."""

    user: str
    role: str
    org: str
    org_id: int
    client: str | None = None
    client_id: int | None = None
    name: str = ""
    org_name: str = ""
    tag: str = ""  # changes with the password: a login cookie carries it, so a new password ends old sessions

    def claims(self) -> dict:
        return {
            "u": self.user,
            "r": self.role,
            "os": self.org,
            "o": self.org_id,
            "cs": self.client,
            "c": self.client_id,
            "nm": self.name,
            "on": self.org_name,
        }

    @classmethod
    def from_claims(cls, claims: dict) -> Identity:
        return cls(
            user=str(claims["u"]),
            role=str(claims["r"]),
            org=str(claims["os"]),
            org_id=int(claims["o"]),
            client=claims.get("cs"),
            client_id=None if claims.get("c") is None else int(claims["c"]),
            name=str(claims.get("nm") or ""),
            org_name=str(claims.get("on") or ""),
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, claims: dict) -> str:
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{hmac.new(key, body.encode(), hashlib.sha256).hexdigest()}"


def unsign(key: bytes, token: str, *, purpose: str, now: float | None = None) -> dict:
    """The claims of ``token`` if its signature, purpose and expiry hold; else PermissionDeniedError."""
    try:
        body, mac = token.strip().split(".", 1)
        expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, mac):
            raise ValueError("signature")
        claims = json.loads(_unb64(body))
    except (ValueError, binascii.Error, AttributeError):
        raise PermissionDeniedError("The identity token is not valid.") from None
    if claims.get("p") != purpose:
        raise PermissionDeniedError("The identity token is not valid here.")
    if float(claims.get("exp", 0)) < (time.time() if now is None else now):
        raise PermissionDeniedError("The identity token has expired; reload the page.")
    return claims


def header_token(secret: bytes, identity: Identity) -> str:
    """The header the server sets on a page request (the browser's own is overwritten)."""
    claims = {
        **identity.claims(),
        "p": "header",
        "exp": time.time() + HEADER_TOKEN_SECONDS,
        "n": secrets.token_hex(8),
    }
    return sign(derive(secret, "identity-header"), claims)


def read_header_token(secret: bytes, token: str) -> Identity:
    return Identity.from_claims(unsign(derive(secret, "identity-header"), token, purpose="header"))


def kernel_token(secret: bytes, identity: Identity, kernel_id: str) -> str:
    """A token for one kernel: signed with that kernel's key and naming it."""
    claims = {
        **identity.claims(),
        "p": "kernel",
        "k": kernel_id,
        "exp": time.time() + KERNEL_TOKEN_SECONDS,
        "n": secrets.token_hex(8),
    }
    return sign(bytes.fromhex(kernel_key(secret, kernel_id)), claims)


def read_kernel_token(key_hex: str, token: str, kernel_id: str) -> Identity:
    """In the kernel: the identity in ``token`` if it was signed for this kernel and has not expired."""
    claims = unsign(bytes.fromhex(key_hex), token, purpose="kernel")
    if claims.get("k") != kernel_id:
        raise PermissionDeniedError("The identity token was issued for another page; reload the page.")
    return Identity.from_claims(claims)


# --- passwords ----------------------------------------------------------------------------------------------


def _hasher():
    argon2 = require("argon2", "dashboards")
    return argon2.PasswordHasher()  # argon2id with the library's current (RFC 9106 low-memory) parameters


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters, got {len(password)}."
        )
    return _hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash to store if the stored one used older parameters)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    if not stored_hash or not stored_hash.startswith("$argon2"):
        hasher.hash(password)  # same work as a real check, so timing does not tell which accounts exist
        return False, None
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (hasher.hash(password) if hasher.check_needs_rehash(stored_hash) else None)


# --- users in the warehouse ---------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if "@" not in value or len(value) > 254:
        raise ConfigurationError(f"{email!r} is not an e-mail address.")
    return value


def _user_row(warehouse: Warehouse, email: str) -> dict | None:
    users, orgs, clients = schema.users, schema.organizations, schema.clients
    stmt = (
        select(
            users.c.id,
            users.c.email,
            users.c.full_name,
            users.c.role,
            users.c.password_hash,
            users.c.is_active,
            users.c.org_id,
            orgs.c.slug.label("org"),
            orgs.c.name.label("org_name"),
            users.c.client_id,
            clients.c.slug.label("client"),
        )
        .select_from(
            users.join(orgs, orgs.c.id == users.c.org_id).outerjoin(
                clients, (clients.c.id == users.c.client_id) & (clients.c.org_id == users.c.org_id)
            )
        )
        .where(func.lower(users.c.email) == email)
    )
    # Signing in happens before any organisation is known: the one cross-organisation read of the dashboards.
    with warehouse.system() as conn:
        row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def identity_of(row: dict) -> Identity:
    return Identity(
        user=row["email"],
        role=row["role"],
        org=row["org"],
        org_id=int(row["org_id"]),
        client=row["client"],
        client_id=None if row["client_id"] is None else int(row["client_id"]),
        name=row["full_name"],
        org_name=row["org_name"],
        tag=hashlib.sha256((row["password_hash"] or "").encode()).hexdigest()[:16],
    )


def lookup(warehouse: Warehouse, email: str) -> Identity | None:
    """The active user ``email`` with their organisation, role and client as stored now, else None."""
    try:
        key = normalise_email(email)
    except ConfigurationError:
        return None
    row = _user_row(warehouse, key)
    if row is None or not row["is_active"]:
        return None
    return identity_of(row)


def authenticate(warehouse: Warehouse, email: str, password: str) -> Identity | None:
    """The user if ``password`` is theirs and the account is active; None otherwise (never says which)."""
    try:
        key = normalise_email(email)
    except ConfigurationError:
        key = ""
    row = _user_row(warehouse, key) if key else None
    ok, new_hash = check_password(row["password_hash"] if row else None, password or "")
    if not ok or row is None or not row["is_active"]:
        return None
    if new_hash:
        with warehouse.system() as conn:
            conn.execute(
                schema.users.update().where(schema.users.c.id == row["id"]).values(password_hash=new_hash)
            )
    return identity_of(row)


def add_user(
    warehouse: Warehouse,
    org: str,
    email: str,
    role: str,
    password: str,
    *,
    client: str | None = None,
    full_name: str | None = None,
) -> Identity:
    """Create a dashboard user of ``org`` (a client viewer names its ``client``); the password is hashed."""
    if role not in schema.ROLES:
        raise ConfigurationError(f"Unknown role {role!r}; roles are {', '.join(schema.ROLES)}.")
    if (role == "client_viewer") != (client is not None):
        raise ConfigurationError("A client viewer needs --client, and only a client viewer takes one.")
    key = normalise_email(email)
    if _user_row(warehouse, key) is not None:
        raise ConfigurationError(f"A user {key} already exists; use 'thrive users set-password'.")
    password_hash = hash_password(password)
    with warehouse.scoped(org) as session:
        client_id = int(session.client(client)["id"]) if client is not None else None
        session.insert(
            schema.users,
            {
                "email": key,
                "full_name": full_name or key.split("@")[0],
                "role": role,
                "client_id": client_id,
                "password_hash": password_hash,
                "is_active": True,
            },
        )
    found = lookup(warehouse, key)
    assert found is not None
    return found


def _require_user_of(warehouse: Warehouse, org: str, email: str) -> dict:
    org_id = int(warehouse.resolve_org(org)["id"])
    row = _user_row(warehouse, normalise_email(email))
    if row is None or int(row["org_id"]) != org_id:
        raise NotFoundError(
            f"No user {email!r} in organisation {org!r}; run 'thrive users list --org {org}'."
        )
    return row


def set_password(warehouse: Warehouse, org: str, email: str, password: str) -> None:
    row = _require_user_of(warehouse, org, email)
    password_hash = hash_password(password)
    with warehouse.scoped(org) as session:
        session.update(schema.users, {"password_hash": password_hash}, schema.users.c.id == row["id"])


def set_active(warehouse: Warehouse, org: str, email: str, active: bool) -> None:
    row = _require_user_of(warehouse, org, email)
    with warehouse.scoped(org) as session:
        session.update(schema.users, {"is_active": active}, schema.users.c.id == row["id"])


def list_users(warehouse: Warehouse, org: str):
    """An organisation's users (never their hashes): e-mail, name, role, client, active, can sign in."""
    users, clients = schema.users, schema.clients
    with warehouse.scoped(org) as session:
        org_id = session.scope.org_id
        # The client's organisation filter sits in the join, so users without a client are kept.
        on = (clients.c.id == users.c.client_id) & (clients.c.org_id == org_id)
        stmt = (
            select(
                users.c.email,
                users.c.full_name,
                users.c.role,
                clients.c.slug.label("client"),
                users.c.is_active.label("active"),
                users.c.password_hash.isnot(None).label("can_sign_in"),
            )
            .select_from(users.outerjoin(clients, on))
            .where(users.c.org_id == org_id)
        )
        return session.frame(stmt.order_by(users.c.email))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
