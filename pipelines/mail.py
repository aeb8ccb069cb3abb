"""E-mail over SMTP: recipients, the settings, one reusable connection, and the message for one recipient.

Settings ``THRIVE_SMTP_HOST``, ``_PORT``, ``_STARTTLS``, ``_USER``, ``_PASSWORD`` and ``_FROM`` are read once when
the scheduler starts; a password is never sent unencrypted to a server other than this machine. One message per
recipient: an address the server refuses fails only that message, with the server's answer.
"""

from __future__ import annotations

import email.policy
import re
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from thrive_analytics import settings
from thrive_analytics.exceptions import ConfigurationError
from thrive_analytics.reports.catalog import TITLES
from thrive_analytics.warehouse import schema

from .delivery import MIMETYPES, DeliveryError, download_name, report_link

__all__ = ["Mailer", "Recipient", "SmtpSettings", "parse_recipients", "report_message", "smtp_error"]

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_EMAIL = re.compile(r"[^@\s,:;<>]+@[^@\s,:;<>]+\.[^@\s,:;<>.]+")
# Subjects are not folded below RFC 5322's 998 characters: some readers keep the space of a folded subject.
HEADERS_UNFOLDED = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Recipient:
    """An e-mail address and how it receives a report: the files ``attach``-ed, or a ``link`` to each."""

    email: str
    mode: str = "attach"

    def __str__(self) -> str:
        return self.email if self.mode == "attach" else f"{self.email}:{self.mode}"


def parse_recipients(values: str | Iterable[str | Mapping | Recipient] | None) -> list[Recipient]:
    """``ana@example.org`` (files attached) or ``ana@example.org:link`` (links), as strings, mappings or
    Recipients; repeats dropped."""
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else list(values)
    found: dict[str, Recipient] = {}
    for item in items:
        if isinstance(item, Recipient):
            email, mode = item.email, item.mode
        elif isinstance(item, Mapping):
            email, mode = str(item.get("email", "")), str(item.get("mode", "attach"))
        else:
            email, _, mode = str(item).strip().partition(":")
            mode = mode or "attach"
        email, mode = email.strip(), mode.strip().lower()
        if not email:
            continue
        if not _EMAIL.fullmatch(email):
            raise ConfigurationError(
                f"Recipient {email!r} is not an e-mail address; write it as name@example.org, "
                "optionally followed by :attach or :link."
            )
        if mode not in schema.RECIPIENT_MODES:
            raise ConfigurationError(
                f"Recipient mode {mode!r} of {email} is unknown; use {' or '.join(schema.RECIPIENT_MODES)}."
            )
        found[email.lower()] = Recipient(email, mode)
    return list(found.values())


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_settings(cls) -> SmtpSettings:
        found = cls(
            host=str(settings.get("smtp_host")),
            port=int(settings.get("smtp_port")),
            starttls=bool(settings.get("smtp_starttls")),
            user=settings.get("smtp_user") or None,
            password=settings.get("smtp_password") or None,
            sender=str(settings.get("smtp_from")),
        )
        if found.user and not found.starttls and found.host not in LOOPBACK:
            raise DeliveryError(
                f"Refusing to send the SMTP password of {found.user} to {found.host} unencrypted; "
                "set THRIVE_SMTP_STARTTLS=true."
            )
        return found


class Mailer:
    """One SMTP connection, opened on first use and reopened once if the server drops it."""

    def __init__(self, config: SmtpSettings | None = None, *, timeout: float = 30.0):
        self.config = config or SmtpSettings.from_settings()
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
        try:
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.user:
                smtp.login(cfg.user, cfg.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; raises the SMTP error (an address refused, the server unreachable)."""
        if "From" not in message:
            message["From"] = self.config.sender
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt == 2:
                    raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def smtp_error(exc: BaseException) -> str:
    """One line for an SMTP failure, with the server's answer when there is one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        (code, answer), *_ = exc.recipients.values()
        return f"the mail server refused the address ({code} {answer.decode(errors='replace')})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the mail server answered {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    if isinstance(exc, OSError | smtplib.SMTPException):
        return f"could not send through the mail server: {exc or type(exc).__name__}"
    return str(exc)


def report_message(
    *,
    recipient: Recipient,
    runs: Iterable[Mapping[str, Any]],
    files: Mapping[int, Path],
    org_name: str,
    client_name: str,
    client_slug: str,
    schedule_name: str,
    link_base: str | None = None,
) -> EmailMessage:
    """The e-mail for one recipient: every format of one client's report, attached or as links."""
    runs = list(runs)
    first = runs[0]
    title = TITLES.get(first["report_type"], first["report_type"])
    period = f"{first['period_start']:%Y-%m-%d} to {first['period_end']:%Y-%m-%d}"
    message = EmailMessage(policy=HEADERS_UNFOLDED)
    message["To"] = recipient.email
    message["Subject"] = f"{title} for {client_name}: {period}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="thrive-analytics")
    formats = ", ".join(r["format"].upper() for r in runs)
    if recipient.mode == "link":
        links = "\n".join(f"  {r['format'].upper()}: {report_link(r['id'], link_base)}" for r in runs)
        body = f"The {title} for {client_name} covering {period} is ready to download:\n\n{links}\n"
    else:
        body = f"The {title} for {client_name} covering {period} is attached ({formats}).\n"
    message.set_content(
        f"Hello,\n\n{body}\nSent by {org_name}'s report schedule {schedule_name!r} with Thrive Analytics.\n"
    )
    if recipient.mode == "attach":
        for run in runs:
            maintype, _, subtype = MIMETYPES[run["format"]].partition("/")
            data = files[run["id"]].read_bytes()
            message.add_attachment(
                data, maintype=maintype, subtype=subtype, filename=download_name(run, client_slug)
            )
    return message
