"""Settings are declared once, documented, and bad values are one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from thrive_analytics import settings
from thrive_analytics.exceptions import ConfigurationError

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_the_readme(setting):
    text = README.read_text(encoding="utf-8")
    assert f"`{setting.env_var}`" in text, f"{setting.env_var} is not documented in README.md"


def test_environment_and_override_precedence(monkeypatch):
    monkeypatch.delenv("THRIVE_SEED", raising=False)
    assert settings.get("seed") == 42
    monkeypatch.setenv("THRIVE_SEED", "7")
    assert settings.get("seed") == 7
    assert settings.get("seed", 9) == 9


def test_bad_values_are_one_sentence(monkeypatch):
    monkeypatch.setenv("THRIVE_SEED", "seven")
    with pytest.raises(ConfigurationError, match=r"^THRIVE_SEED must be a whole number, got 'seven'\.$"):
        settings.get("seed")
    monkeypatch.setenv("THRIVE_ECHO_SQL", "maybe")
    with pytest.raises(ConfigurationError, match="THRIVE_ECHO_SQL must be true or false"):
        settings.get("echo_sql")
    with pytest.raises(ConfigurationError, match="Unknown setting 'colour'"):
        settings.get("colour")


def test_default_database_is_a_sqlite_file_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("THRIVE_DATABASE_URL", raising=False)
    monkeypatch.setenv("THRIVE_HOME", str(tmp_path))
    assert settings.database_url() == f"sqlite:///{tmp_path / 'var' / 'thrive.sqlite'}"
    monkeypatch.setenv("THRIVE_DATABASE_URL", "postgresql://u@h/db")
    assert settings.database_url() == "postgresql://u@h/db"
    assert settings.database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_default_warehouse_is_found_from_a_subfolder(monkeypatch, tmp_path):
    monkeypatch.delenv("THRIVE_DATABASE_URL", raising=False)
    monkeypatch.delenv("THRIVE_HOME", raising=False)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "thrive.sqlite").write_bytes(b"")
    (tmp_path / "notebooks" / "reports").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "reports")
    assert settings.database_url() == f"sqlite:///{tmp_path / 'var' / 'thrive.sqlite'}"
