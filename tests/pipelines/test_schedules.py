"""Report schedules: cron and time-zone validation, slots across daylight-saving changes, storage per
organisation, and `thrive schedules ...` / `thrive deliveries list` with one-sentence errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipelines.mail import Recipient, parse_recipients
from pipelines.schedules import (
    add_schedule,
    delete_schedule,
    get_schedule,
    list_schedules,
    update_schedule,
)
from pipelines.slots import fire_times, next_fire_times, validate_cron, validate_timezone
from thrive_analytics import cli
from thrive_analytics.exceptions import ConfigurationError, NotFoundError, PermissionDeniedError
from thrive_analytics.reports.store import create_template
from thrive_analytics.warehouse import Scope, schema

from ..test_cli import assert_one_sentence_error, run
from .conftest import active_clients, url_of

UTC = dt.UTC
T0 = dt.datetime(2026, 7, 1, 12, tzinfo=UTC)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- cron and time zones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron", ["0 7 * * 1", "  0   7 1 * * ", "*/15 6-18 * * 1-5", "0 6 1,15 * *", "@monthly"]
)
def test_valid_cron_expressions_are_kept_with_normal_spacing(cron):
    assert validate_cron(cron) == " ".join(cron.split())


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("61 7 * * *", r"^Cron expression '61 7 \* \* \*' is not valid; use five fields \(minute hour"),
        ("0 7 * *", "is not valid"),
        ("0 0 7 * * *", "is not valid"),  # six fields (seconds) are not cron
        ("@reboot", "is not valid"),
        ("", "is not valid"),
        ("0 0 30 2 *", r"^Cron expression '0 0 30 2 \*' never fires \(no calendar date matches it\)"),
    ],
)
def test_invalid_cron_expressions_are_one_sentence(cron, message):
    with pytest.raises(ConfigurationError, match=message) as caught:
        validate_cron(cron)
    assert str(caught.value).endswith(".") and "\n" not in str(caught.value)


@pytest.mark.parametrize("zone", ["Europe/Lndon", "CEST", "../etc/passwd", "", "localtime"])
def test_unknown_time_zones_are_one_sentence(zone):
    with pytest.raises(ConfigurationError, match=rf"^Unknown time zone {zone!r}; use an IANA name such as"):
        validate_timezone(zone)
    assert validate_timezone("America/New_York") == "America/New_York"


# --- slots -------------------------------------------------------------------------------------------------------


def test_a_daily_slot_keeps_its_wall_clock_time_across_daylight_saving_changes():
    slots = fire_times("0 7 * * *", "Europe/London", utc(2026, 3, 27), utc(2026, 3, 31))
    assert slots == [utc(2026, 3, 27, 7), utc(2026, 3, 28, 7), utc(2026, 3, 29, 6), utc(2026, 3, 30, 6)]
    slots = fire_times("0 7 * * *", "America/New_York", utc(2026, 10, 31), utc(2026, 11, 3))
    assert slots == [utc(2026, 10, 31, 11), utc(2026, 11, 1, 12), utc(2026, 11, 2, 12)]


def test_a_skipped_wall_clock_time_fires_after_the_gap_and_a_repeated_one_fires_once():
    # Europe/Berlin: 2026-03-29 02:00 -> 03:00 (02:30 does not exist); 2026-10-25 03:00 -> 02:00 (02:30 twice).
    spring = fire_times("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28), utc(2026, 3, 31))
    assert spring == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]  # 03:30 CEST
    autumn = fire_times("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24), utc(2026, 10, 27))
    assert autumn == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    # 02:30 and 03:30 land on the same instant in the gap: one slot.
    both = fire_times("30 2,3 * * *", "Europe/Berlin", utc(2026, 3, 28, 23), utc(2026, 3, 29, 12))
    assert both == [utc(2026, 3, 29, 1, 30)]
    assert next_fire_times("30 2,3 * * *", "Europe/Berlin", utc(2026, 3, 28, 23), 2) == [
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]


def test_an_hourly_schedule_fires_23_and_24_times_on_the_change_days_in_berlin():
    def day(midnight: dt.datetime, next_midnight: dt.datetime) -> list[dt.datetime]:
        minute = dt.timedelta(minutes=1)
        return fire_times("0 * * * *", "Europe/Berlin", midnight - minute, next_midnight - minute)

    assert len(day(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))) == 23  # a 23-hour day
    assert len(day(utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))) == 24  # a 25-hour day: 02:00 fires once
    assert len(day(utc(2026, 6, 30, 22), utc(2026, 7, 1, 22))) == 24


def test_slots_are_bounded_ordered_and_exclusive_of_the_start():
    slots = fire_times("*/5 * * * *", "UTC", utc(2026, 7, 1), utc(2026, 7, 2), limit=10)
    assert slots == [utc(2026, 7, 1, 23, m) for m in range(15, 60, 5)] + [utc(2026, 7, 2)]
    assert fire_times("0 7 * * *", "UTC", utc(2026, 7, 1, 7), utc(2026, 7, 1, 7)) == []
    assert fire_times("0 7 * * *", "UTC", utc(2026, 7, 1, 6), utc(2026, 7, 1, 7)) == [utc(2026, 7, 1, 7)]


# --- stored schedules --------------------------------------------------------------------------------------------


def test_parse_recipients():
    assert parse_recipients("ana@example.org, bo@example.org:link,ANA@example.org") == [
        Recipient("ANA@example.org", "attach"),
        Recipient("bo@example.org", "link"),
    ]
    with pytest.raises(ConfigurationError, match=r"^Recipient 'ana\.example\.org' is not an e-mail address"):
        parse_recipients(["ana.example.org"])
    with pytest.raises(
        ConfigurationError,
        match=r"^Recipient mode 'fax' of ana@example.org is unknown; use attach or link\.$",
    ):
        parse_recipients(["ana@example.org:fax"])


def test_schedules_are_stored_validated_and_scoped_to_their_organisation(shared_warehouse):
    warehouse, org = shared_warehouse, "civic-reach-partners"
    a, b = active_clients(warehouse, org)[:2]
    org_id = int(warehouse.resolve_org(org)["id"])
    with warehouse.session(Scope(org_id)) as session:
        create_template(session, "council", "municipal", default_format="pdf", time_range="90d")
        s = add_schedule(
            session,
            "monthly-council",
            cron="0 7 1 * *",
            timezone="Europe/London",
            template="council",
            clients=f"{a['slug']},{b['id']}",
            formats="pdf,html",
            recipients="ana@example.org,bo@example.org:link",
            now=T0,
        )
        assert (s.template, s.report_type, s.clients_mode, s.clients) == (
            "council",
            "municipal",
            "list",
            [a["slug"], b["slug"]],
        )
        assert s.formats == ["pdf", "html"] and s.dashboard and s.enabled and s.active_since == T0
        assert s.targets() == [
            ("email", "ana@example.org", "attach"),
            ("email", "bo@example.org", "link"),
            ("dashboard", None, None),
        ]
        by_type = add_schedule(
            session,
            "weekly-towns",
            cron="0 8 * * 1",
            timezone="UTC",
            report_type="executive",
            clients="type:municipality",
            dashboard=False,
        )
        assert by_type.describe_clients() == "active municipality clients" and by_type.targets() == []
        assert [x.name for x in list_schedules(session)] == ["monthly-council", "weekly-towns"]
        assert get_schedule(session, str(s.id)).name == "monthly-council"
        # Bad values: one sentence each, nothing written.
        for kwargs, message in [
            ({"cron": "0 7 * *"}, "Cron expression"),
            ({"timezone": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
            (
                {"template": "council", "report_type": "roi"},
                "Report template 'council' is a municipal report, not roi.",
            ),
            ({"template": None, "report_type": None}, "A schedule needs a report template or a report type"),
            ({"clients": "no-such-client"}, "No client 'no-such-client' in this organisation"),
            ({"clients": "type:castle"}, "Unknown client type 'castle'"),
            ({"formats": "pdf,docx"}, "Unknown report format 'docx'"),
            ({"name": "monthly-council"}, "A report schedule named 'monthly-council' already exists"),
            ({"name": "2024"}, "Schedule name '2024' is not usable"),
        ]:
            values = {"name": "x", "cron": "0 7 * * *", "timezone": "UTC", "template": "council"} | kwargs
            name = values.pop("name")
            with pytest.raises((ConfigurationError, NotFoundError), match=message):
                add_schedule(session, name, **values)
        assert len(list_schedules(session)) == 2
        # Updates: a new cron, time zone or re-enabling restarts the slots; other changes do not.
        later = T0 + dt.timedelta(days=3)
        s = update_schedule(session, "monthly-council", recipients=[], dashboard=False, now=later)
        assert s.recipients == [] and not s.dashboard and s.active_since == T0
        s = update_schedule(session, "monthly-council", enabled=False, now=later)
        assert not s.enabled and s.active_since == T0
        s = update_schedule(session, "monthly-council", enabled=True, now=later)
        assert s.active_since == later
        s = update_schedule(session, "monthly-council", cron="0 6 1 * *", now=later + dt.timedelta(days=1))
        assert s.active_since == later + dt.timedelta(days=1)
        s = update_schedule(session, "monthly-council", template="", report_type="executive", clients="all")
        assert (s.template, s.report_type, s.clients_mode, s.client_ids) == (None, "executive", "all", [])
        with pytest.raises(ConfigurationError, match=r"^Nothing to change"):
            update_schedule(session, "monthly-council")
    other = warehouse.resolve_org("maya-chen-studio")["id"]
    with warehouse.session(Scope(int(other))) as session:
        with pytest.raises(
            NotFoundError, match=r"^No report schedule 'monthly-council' in this organisation"
        ):
            get_schedule(session, "monthly-council")
        assert list_schedules(session) == []
    viewer = warehouse.session(Scope(org_id, a["id"], "client_viewer"))
    with viewer as session, pytest.raises(PermissionDeniedError):
        add_schedule(session, "mine", cron="0 7 * * *", timezone="UTC", report_type="executive")
    with warehouse.session(Scope(org_id)) as session:
        assert delete_schedule(session, "weekly-towns").name == "weekly-towns"
        assert [x.name for x in list_schedules(session)] == ["monthly-council"]


def test_deleting_a_schedule_drops_its_slots_and_keeps_its_delivery_log(shared_warehouse):
    warehouse, org = shared_warehouse, "blue-harbor-media"
    client = active_clients(warehouse, org)[0]
    with warehouse.scoped(org) as session:
        s = add_schedule(session, "to-delete", cron="0 7 * * *", timezone="UTC", report_type="executive")
        (run_id,) = session.insert(
            schema.schedule_runs,
            {"schedule_id": s.id, "slot": T0, "status": "missed", "claimed_at": T0},
        )
        session.insert(
            schema.report_deliveries,
            {
                "client_id": client["id"],
                "schedule_id": s.id,
                "schedule_run_id": run_id,
                "channel": "dashboard",
                "status": "held",
                "error": "Held back: no data.",
                "at": T0,
            },
        )
        delete_schedule(session, "to-delete")
        assert session.execute(session.select(schema.schedule_runs.c.id)).all() == []
        (row,) = session.execute(session.select(schema.report_deliveries)).mappings().all()
    assert (row["schedule_id"], row["schedule_run_id"], row["error"]) == (None, None, "Held back: no data.")


# --- the command line --------------------------------------------------------------------------------------------


def test_schedules_commands(shared_warehouse, capsys):
    warehouse, org = shared_warehouse, "greenline-public-affairs"
    url = url_of(warehouse)
    client = active_clients(warehouse, org)[0]
    base = ("--org", org, "--db", url)
    code, out, err = run(
        capsys,
        "schedules",
        "add",
        "weekly",
        *base,
        "--cron",
        "0 7 * * 1",
        "--tz",
        "Europe/London",
        "--type",
        "executive",
        "--clients",
        client["slug"],
        "--format",
        "html,pdf",
        "--email",
        "ana@example.org",
        "--email",
        "bo@example.org:link",
        "--json",
    )
    assert code == 0, err
    added = json.loads(out)
    assert added["clients"] == [client["slug"]] and added["recipients"][1] == {
        "email": "bo@example.org",
        "mode": "link",
    }
    first = dt.datetime.fromisoformat(added["next"][0])
    assert first.weekday() == 0 and (first.hour, first.minute) == (7, 0) and len(added["next"]) == 3
    code, out, err = run(capsys, "schedules", "list", *base)
    assert code == 0 and "weekly" in out and "bo@example.org:link" in out and "Europe/London" in out, err
    code, out, err = run(
        capsys, "schedules", "update", "weekly", *base, "--no-email", "--disable", "--rename", "weekly-exec"
    )
    assert code == 0 and out.startswith("Updated schedule 'weekly-exec'") and "(disabled)" in out, err
    code, out, err = run(capsys, "schedules", "show", "weekly-exec", *base, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert (
        shown["recipients"] == []
        and shown["enabled"] is False
        and shown["next"] == []
        and shown["slots"] == []
    )
    code, out, err = run(capsys, "schedules", "show", "weekly-exec", *base)
    assert code == 0 and "e-mail: nobody" in out, err
    code, out, err = run(capsys, "deliveries", "list", *base, "--client", client["slug"], "--json")
    assert code == 0 and json.loads(out) == [], err
    code, out, err = run(capsys, "schedules", "delete", "weekly-exec", *base)
    assert (
        code == 0
        and out.strip() == f"Deleted schedule 'weekly-exec' from {warehouse.resolve_org(org)['name']}."
    ), err


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (
            ("--cron", "0 25 * * *", "--tz", "UTC", "--type", "executive"),
            r"Cron expression '0 25 \* \* \*' is not valid",
        ),
        (
            ("--cron", "0 7 * * *", "--tz", "Europe/Londn", "--type", "executive"),
            "Unknown time zone 'Europe/Londn'",
        ),
        (("--cron", "0 7 * * *", "--tz", "UTC"), "Name the report with --template or --type"),
        (
            ("--cron", "0 7 * * *", "--tz", "UTC", "--type", "roi", "--email", "nobody"),
            "Recipient 'nobody' is not an e-mail",
        ),
    ],
)
def test_schedules_add_mistakes_are_one_sentence_and_change_nothing(shared_warehouse, capsys, args, pattern):
    warehouse, org = shared_warehouse, "greenline-public-affairs"
    code, _out, err = run(capsys, "schedules", "add", "bad", "--org", org, "--db", url_of(warehouse), *args)
    assert_one_sentence_error(code, err, pattern)
    with warehouse.scoped(org) as session:
        assert [s.name for s in list_schedules(session)] == []


def test_scheduler_command_rejects_bad_options_and_unknown_organisations(shared_warehouse, capsys):
    url = url_of(shared_warehouse)
    code, _out, err = run(capsys, "scheduler", "--once", "--db", url, "--org", "no-such-org")
    assert_one_sentence_error(code, err, "No organisation 'no-such-org'")
    code, _out, err = run(capsys, "scheduler", "--once", "--db", url, "--catch-up", "some")
    assert_one_sentence_error(code, err, "Invalid value for '--catch-up'")
    assert (
        "scheduler" in cli.cli.commands
        and "schedules" in cli.cli.commands
        and "deliveries" in cli.cli.commands
    )
