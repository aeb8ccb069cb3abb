"""Delivery: e-mail over a real SMTP server (attachments, links, a refused address), the dashboard listing, the
download endpoint's checks (checksum, client scope, expiry) and the delivery log."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from pipelines.delivery import (
    DeliveryError,
    TamperedReportError,
    dashboard_reports,
    list_deliveries,
    log_delivery,
    open_download,
    report_link,
)
from pipelines.mail import Mailer, Recipient, SmtpSettings, report_message
from thrive_analytics.exceptions import NotFoundError
from thrive_analytics.reports import store
from thrive_analytics.reports.files import file_digest
from thrive_analytics.warehouse import Scope, schema

from ..test_cli import run
from .conftest import END, LINK_BASE, ORG, REFUSED, SmtpSink, active_clients, url_of


def the_file(slot) -> Path:
    return slot.out / ORG / slot.fresh["slug"] / "executive-30d-2026-06-30.html"


def log(slot) -> list[dict]:
    with slot.warehouse.scoped(ORG) as session:
        return list_deliveries(session).to_dict("records")


# --- the scheduled slot (tests/pipelines/conftest.py): e-mails, the log, the dashboard ---------------------------


def test_each_recipient_gets_one_email_with_the_report_attached_or_linked(scheduled_slot):
    slot = scheduled_slot
    fresh = slot.fresh
    assert slot.smtp.to(REFUSED) == []
    (attached,) = slot.smtp.to("ana@example.org")  # once, although the first scheduler was interrupted
    (linked,) = slot.smtp.to("bo@example.org")
    assert len(slot.smtp.messages) == 2  # nothing about the held client
    subject = f"Executive summary for {fresh['name']}: 2026-06-01 to 2026-06-30"
    for message in (attached, linked):
        assert message["Subject"] == subject
        assert message["From"] == "Reports <reports@agency.example>"
    (attachment,) = list(attached.iter_attachments())
    assert attachment.get_filename() == f"{fresh['slug']}-executive-30d-2026-06-30.html"
    assert attachment.get_content_type() == "text/html"
    assert attachment.get_payload(decode=True) == the_file(slot).read_bytes()
    assert list(linked.iter_attachments()) == []
    (sent,) = [r for r in log(slot) if r["recipient"] == "bo@example.org" and r["status"] == "sent"]
    body = linked.get_body(("plain",)).get_content()
    assert f"HTML: {LINK_BASE}api/reports/{sent['report_id']}" in body
    assert sent["checksum"] == file_digest(the_file(slot))[0]


def test_a_refused_recipient_is_logged_and_the_others_are_delivered(scheduled_slot):
    slot = scheduled_slot
    rows = [r for r in log(slot) if r["client"] == slot.fresh["slug"]]
    by_target = {(r["channel"], r["recipient"]): r for r in rows}
    assert len(rows) == len(by_target) == 4  # ana, bo, refused, dashboard: one row each (one file)
    refused = by_target[("email", REFUSED)]
    assert refused["status"] == "failed"
    assert re.search(r"refused the address \(550 5\.1\.1 Mailbox unavailable\)", refused["error"])
    for target in (("email", "ana@example.org"), ("email", "bo@example.org"), ("dashboard", None)):
        assert by_target[target]["status"] == "sent", target
        assert by_target[target]["file"] == str(the_file(slot))
    assert by_target[("email", "ana@example.org")]["mode"] == "attach"
    assert by_target[("email", "bo@example.org")]["mode"] == "link"
    outcome = slot.outcome
    assert outcome.status == "failed"  # a delivery failed: the operator has something to look at
    assert (outcome.deliveries_sent, outcome.deliveries_failed) == (3, 1)  # over both attempts
    assert any(REFUSED in e for e in outcome.errors)


def test_an_interrupted_scheduler_releases_its_slot_and_another_finishes_it_without_repeating(scheduled_slot):
    slot = scheduled_slot
    assert slot.released["status"] == "claimed" and slot.released["heartbeat_at"] is None
    assert slot.released["claimed_by"] == "first"
    runs = schema.schedule_runs
    with slot.warehouse.scoped(ORG) as session:
        row = session.execute(session.select(runs)).mappings().one()
    assert row["claimed_by"] == "second" and row["attempts"] == 2 and slot.outcome.reclaimed
    assert (row["status"], row["reports_completed"], row["reports_held"]) == ("failed", 1, 1)
    assert (row["deliveries_sent"], row["deliveries_failed"]) == (3, 1)
    assert any("taking over slot 2026-07-01 06:00 UTC from first" in line for line in slot.lines)
    assert any(f"{slot.fresh['slug']}: skipped" in line for line in slot.lines)  # the batch was not redone


def test_the_dashboard_lists_delivered_reports_to_their_own_client_only(scheduled_slot):
    slot = scheduled_slot
    warehouse = slot.warehouse
    org_id = int(warehouse.resolve_org(ORG)["id"])
    with warehouse.session(Scope(org_id)) as session:
        (entry,) = dashboard_reports(session)
    assert (entry.client, entry.format, entry.report_type) == (slot.fresh["slug"], "html", "executive")
    assert entry.period_end == END and entry.download_url == f"/api/reports/{entry.report_id}"
    with warehouse.session(Scope(org_id, slot.fresh["id"], "client_viewer")) as session:
        assert [r.report_id for r in dashboard_reports(session)] == [entry.report_id]
    with warehouse.session(Scope(org_id, slot.stale["id"], "client_viewer")) as session:
        assert dashboard_reports(session) == []


def test_the_delivery_log_and_the_slot_history_on_the_command_line(scheduled_slot, capsys):
    slot = scheduled_slot
    base = ("--org", ORG, "--db", url_of(slot.warehouse))
    code, out, err = run(capsys, "deliveries", "list", *base, "--client", slot.stale["slug"])
    assert code == 0, err
    assert out.count(" held ") == 4 and "Held back:" in out and slot.stale["slug"] in out
    code, out, err = run(capsys, "deliveries", "list", *base, "--status", "failed", "--json")
    (failed,) = json.loads(out)
    assert (failed["recipient"], failed["client"], failed["file"]) == (
        REFUSED,
        slot.fresh["slug"],
        str(the_file(slot)),
    )
    code, out, err = run(capsys, "schedules", "show", "daily-digest", *base)
    assert code == 0, err
    assert "slot 2026-07-01 06:00 UTC: failed (1 done, 1 held, 0 failed)" in out
    assert "e-mail: ana@example.org, bo@example.org:link, refused@example.org" in out


# --- the download endpoint's function, on both backends -----------------------------------------------------------


@pytest.fixture
def reports(shared_warehouse, tmp_path):
    """Two clients' completed report runs of this test, with real files (bytes and checksum, as generated)."""
    warehouse = shared_warehouse
    a, b = active_clients(warehouse)[:2]
    org_id = int(warehouse.resolve_org(ORG)["id"])
    runs = {}
    with warehouse.session(Scope(org_id)) as session:
        for client, fmt in ((a, "pdf"), (b, "html")):
            path = tmp_path / client["slug"] / f"executive-30d-{END}.{fmt}"
            path.parent.mkdir()
            path.write_bytes(f"%{fmt} report of {client['name']} for {tmp_path.name}".encode())
            run_id = store.start_run(
                session,
                report_type="executive",
                fmt=fmt,
                client_id=client["id"],
                period_start=END - dt.timedelta(days=29),
                period_end=END,
            )
            digest, size = file_digest(path)
            store.finish_run(session, run_id, file=str(path), checksum=digest, size_bytes=size)
            log_delivery(
                session, client_id=client["id"], report_id=run_id, channel="dashboard", status="sent"
            )
            runs[client["slug"]] = run_id
    return warehouse, org_id, a, b, runs


def downloads(warehouse, org_id, runs) -> list[dict]:
    """This test's downloads in the delivery log."""
    with warehouse.session(Scope(org_id)) as session:
        frame = list_deliveries(session, status="downloaded", limit=1000)
    return [r for r in frame.to_dict("records") if r["report_id"] in runs.values()]


def listed(session, runs) -> list[str]:
    """The clients whose reports of this test the dashboard lists to ``session``."""
    return [r.client for r in dashboard_reports(session) if r.report_id in runs.values()]


def test_open_download_serves_a_verified_file_and_logs_the_download(reports):
    warehouse, org_id, a, b, runs = reports
    with warehouse.session(Scope(org_id, a["id"], "client_viewer")) as session:
        path, filename, mimetype, checksum = open_download(
            session, runs[a["slug"]], downloaded_by="viewer@a.org"
        )
    assert filename == f"{a['slug']}-executive-30d-{END}.pdf" and mimetype == "application/pdf"
    assert checksum == file_digest(path)[0] and path.read_bytes().startswith(b"%pdf")
    with warehouse.session(Scope(org_id)) as session:  # an account manager's download, by role
        assert open_download(session, runs[b["slug"]])[2] == "text/html"
    with warehouse.session(Scope(org_id)) as session:
        b_checksum = store.get_run(session, runs[b["slug"]])["checksum"]
    logged = {
        (r["client"], r["recipient"], r["report_id"], r["checksum"])
        for r in downloads(warehouse, org_id, runs)
    }
    assert logged == {
        (a["slug"], "viewer@a.org", runs[a["slug"]], checksum),
        (b["slug"], "admin", runs[b["slug"]], b_checksum),
    }


def test_open_download_refuses_another_clients_report_for_a_client_viewer(reports):
    warehouse, org_id, a, b, runs = reports
    with warehouse.session(Scope(org_id, a["id"], "client_viewer")) as session:
        with pytest.raises(NotFoundError, match=rf"^No report run {runs[b['slug']]} in this organisation\.$"):
            open_download(session, runs[b["slug"]])
        assert listed(session, runs) == [a["slug"]]
    assert downloads(warehouse, org_id, runs) == []


def test_open_download_refuses_a_tampered_file_with_one_sentence(reports):
    warehouse, org_id, a, _b, runs = reports
    with warehouse.session(Scope(org_id)) as session:
        path = Path(store.get_run(session, runs[a["slug"]])["file"])
    path.write_bytes(path.read_bytes() + b"<script>tampered</script>")
    viewer = warehouse.session(Scope(org_id, a["id"], "client_viewer"))
    with viewer as session, pytest.raises(TamperedReportError) as caught:
        open_download(session, runs[a["slug"]])
    message = str(caught.value)
    assert "\n" not in message and ". " not in message and message.endswith("generate the report again.")
    assert f"Report {runs[a['slug']]}'s file {path.name} has changed since it was generated" in message
    assert downloads(warehouse, org_id, runs) == []


def test_open_download_refuses_an_expired_report_and_a_missing_file(reports):
    warehouse, org_id, a, b, runs = reports
    table = schema.white_label_reports
    with warehouse.session(Scope(org_id)) as session:
        session.update(
            table, {"expires_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}, table.c.id == runs[a["slug"]]
        )
        with pytest.raises(DeliveryError, match=r"expired on 2026-01-01; generate it again\.$"):
            open_download(session, runs[a["slug"]])
        Path(store.get_run(session, runs[b["slug"]])["file"]).unlink()
        with pytest.raises(DeliveryError, match=r"is missing; generate the report again\.$"):
            open_download(session, runs[b["slug"]])
        assert listed(session, runs) == [b["slug"]]  # an expired one is not listed


# --- e-mail on its own -------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a login on 127.0.0.1
def test_mailer_logs_in_and_sends_links_built_from_the_configured_base(reports, monkeypatch):
    warehouse, org_id, a, _b, runs = reports
    monkeypatch.setenv("THRIVE_LINK_BASE_URL", "https://portal.example.org/thrive")
    with warehouse.session(Scope(org_id)) as session:
        run = store.get_run(session, runs[a["slug"]])
    message = report_message(
        recipient=Recipient("cleo@example.org", "link"),
        runs=[run],
        files={},
        org_name="Northwind Digital",
        client_name=a["name"],
        client_slug=a["slug"],
        schedule_name="monthly",
    )
    with SmtpSink(login=("reports", "s3cret")) as sink:
        with Mailer(
            SmtpSettings("127.0.0.1", sink.port, False, "reports", "s3cret", "r@agency.example")
        ) as m:
            m.send(message)
        (received,) = sink.messages
    assert received.rcpt_tos == ["cleo@example.org"] and received.mail_from == "r@agency.example"
    link = f"https://portal.example.org/thrive/api/reports/{run['id']}"
    assert report_link(run["id"]) == link and link in received.message.get_body(("plain",)).get_content()


def test_smtp_settings_never_send_a_password_unencrypted_to_another_machine(monkeypatch):
    monkeypatch.setenv("THRIVE_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("THRIVE_SMTP_USER", "reports")
    monkeypatch.setenv("THRIVE_SMTP_PASSWORD", "s3cret")
    with pytest.raises(DeliveryError, match=r"unencrypted; set THRIVE_SMTP_STARTTLS=true\.$"):
        SmtpSettings.from_settings()
    monkeypatch.setenv("THRIVE_SMTP_STARTTLS", "true")
    assert SmtpSettings.from_settings().starttls
