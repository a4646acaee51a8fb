"""Every setting from the environment and from a settings file (HRM_SETTINGS), typed and checked
at start-up, and documented in the README's one table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from portal_plugin import create_app
from portal_plugin.core import config
from portal_plugin.core.config import (
    SETTINGS,
    ConfigError,
    DatabaseUrl,
    Flag,
    Integer,
    MonthDay,
    Number,
    Setting,
    Table,
    Text,
)

README = Path(__file__).resolve().parents[2] / "README.md"
A_FILE = str(Path(config.__file__))


def sample(setting: Setting) -> tuple[str, Any]:
    """A valid value other than the default: (as the environment gives it, as it is read)."""
    kind = setting.kind
    if isinstance(kind, Text):
        if kind.choices:
            value = next(c for c in kind.choices if c != setting.default) if len(
                kind.choices) > 1 else kind.choices[0]
        elif kind.url:
            value = "https://portal.example.gov.cn/oidc"
        elif kind.file:
            value = A_FILE
        else:
            value = "openid profile gov_hrm" if setting.name == "SSO_SCOPE" else "x-" + setting.name
        return value, value
    if isinstance(kind, Integer):
        value = (kind.min or 0) + 1
        return str(value), value
    if isinstance(kind, Number):
        return "2.5", 2.5
    if isinstance(kind, Flag):
        return ("0", False) if setting.default else ("1", True)
    if isinstance(kind, Table):
        if kind.keys:
            value = {kind.keys[0]: 7 if isinstance(kind.value, Integer) else "{seq}"}
            return json.dumps(value), {**setting.default, **value}
        return '{"pool_size": 3}', {"pool_size": 3}
    if isinstance(kind, DatabaseUrl):
        return "postgresql://hrm@db.example/hrm", "postgresql://hrm@db.example/hrm"
    if isinstance(kind, MonthDay):
        return "04-30", "04-30"
    raise AssertionError(f"no sample for {setting.name}")


def wrong_type(setting: Setting) -> Any:
    """A settings-file value of the wrong type for the setting."""
    kind = setting.kind
    if isinstance(kind, Text | DatabaseUrl | Table):
        return 12
    return "many"


def wrong_text(setting: Setting) -> str | None:
    """An environment value the setting refuses (None: every text is a valid value)."""
    kind = setting.kind
    if isinstance(kind, Text):
        if kind.choices:
            return "bogus"
        if kind.url:
            return "ftp:/portal"
        if kind.file:
            return "/no/such/file.json"
        return None if kind.optional else ""
    if isinstance(kind, Integer):
        return "12 apples"
    if isinstance(kind, Number):
        return "fast"
    if isinstance(kind, Flag):
        return "maybe"
    if isinstance(kind, Table):
        return '{"unknown_key": 1}' if kind.keys else "[1, 2]"
    if isinstance(kind, DatabaseUrl):
        return "not a url"
    return None


FILE_SETTINGS = [s for s in SETTINGS if s.name != "HRM_SETTINGS"]


@pytest.mark.parametrize("setting", FILE_SETTINGS, ids=[s.variable for s in FILE_SETTINGS])
def test_each_setting_is_read_from_the_environment(setting: Setting):
    text, expected = sample(setting)
    assert config.from_environment({setting.variable: text})[setting.name] == expected


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'{k} = {toml_value(v)}' for k, v in value.items()) + " }"
    return json.dumps(value)


@pytest.mark.parametrize("setting", FILE_SETTINGS, ids=[s.variable for s in FILE_SETTINGS])
def test_each_setting_is_read_from_a_toml_and_a_python_settings_file(setting: Setting, tmp_path):
    text, expected = sample(setting)
    native = setting.kind.read(text)
    if setting.merge:
        native = json.loads(text)
    toml = tmp_path / "hrm.toml"
    toml.write_text(f"{setting.variable} = {toml_value(native)}\n", encoding="utf-8")
    assert config.from_environment({"HRM_SETTINGS": str(toml)})[setting.name] == expected
    py = tmp_path / "hrm_settings.py"
    py.write_text(f"{setting.variable} = {native!r}\n", encoding="utf-8")
    assert config.from_environment({"HRM_SETTINGS": str(py)})[setting.name] == expected


@pytest.mark.parametrize("setting", FILE_SETTINGS, ids=[s.variable for s in FILE_SETTINGS])
def test_a_wrong_value_in_the_settings_file_is_refused_with_its_name(setting: Setting, tmp_path):
    toml = tmp_path / "hrm.toml"
    toml.write_text(f"{setting.variable} = {json.dumps(wrong_type(setting))}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(setting.variable) + r" \(" + re.escape(
            str(toml))):
        config.from_environment({"HRM_SETTINGS": str(toml)})


REFUSABLE = [s for s in SETTINGS if wrong_text(s) is not None]


@pytest.mark.parametrize("setting", REFUSABLE, ids=[s.variable for s in REFUSABLE])
def test_a_wrong_value_in_the_environment_is_refused_with_its_name(setting: Setting):
    with pytest.raises(ConfigError, match=re.escape(setting.variable) + r" \(environment\): "):
        config.from_environment({setting.variable: wrong_text(setting)})


def test_the_environment_wins_over_the_settings_file(tmp_path):
    toml = tmp_path / "hrm.toml"
    toml.write_text("HISTORY_IMPORT_MAX_ROWS = 100\nLICENSE_VALID_YEARS = 3\n")
    read = config.from_environment({"HRM_SETTINGS": str(toml), "HISTORY_IMPORT_MAX_ROWS": "200"})
    assert read["HISTORY_IMPORT_MAX_ROWS"] == 200 and read["LICENSE_VALID_YEARS"] == 3


def test_an_unknown_name_in_the_settings_file_is_refused(tmp_path):
    toml = tmp_path / "hrm.toml"
    toml.write_text("HISTORY_IMPORT_MAX_ROW = 100\n")
    with pytest.raises(ConfigError, match="HRM_SETTINGS.*HISTORY_IMPORT_MAX_ROW"):
        config.from_environment({"HRM_SETTINGS": str(toml)})


def test_a_missing_settings_file_stops_start_up():
    with pytest.raises(ConfigError, match="HRM_SETTINGS"):
        config.from_environment({"HRM_SETTINGS": "/no/such/settings.toml"})


def test_create_app_reads_the_settings_file_and_the_environment(tmp_path, monkeypatch):
    toml = tmp_path / "hrm.toml"
    toml.write_text('HISTORY_IMPORT_MAX_ROWS = 100\n[WORKFLOW_DEADLINES]\naccept = 3\n')
    monkeypatch.setenv("HRM_SETTINGS", str(toml))
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/hrm.sqlite3")
    monkeypatch.setenv("LICENSE_VALID_YEARS", "10")
    app = create_app()
    assert app.config["HISTORY_IMPORT_MAX_ROWS"] == 100
    assert app.config["WORKFLOW_DEADLINES"]["accept"] == 3
    assert app.config["WORKFLOW_DEADLINES"]["licensing"] == 20, "the other keys keep their default"
    assert app.config["LICENSE_VALID_YEARS"] == 10
    monkeypatch.setenv("SSO_LEEWAY_SECONDS", "600")
    with pytest.raises(ConfigError, match=r"SSO_LEEWAY_SECONDS \(environment\): must be at most 60"):
        create_app()


def test_a_wrong_value_given_in_code_is_refused_too(tmp_path):
    with pytest.raises(ConfigError, match="HISTORY_IMPORT_MAX_ROWS: must be at least 1"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "HISTORY_IMPORT_MAX_ROWS": 0})


def test_sso_scope_must_ask_for_openid(tmp_path):
    with pytest.raises(ConfigError, match="SSO_SCOPE"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SSO_SCOPE": "profile hrm"})


def readme_rows() -> list[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings:start -->")[1].split("<!-- settings:end -->")[0]
    rows = [line.strip() for line in table.strip().splitlines()[2:]]
    return [tuple(cell.strip() for cell in row.strip("|").split(" | ")) for row in rows]


def test_the_readme_table_is_the_settings_table():
    assert readme_rows() == config.documentation_rows(), (
        "README's configuration table differs from core/config.py SETTINGS; it should be:\n"
        + config.markdown_table())


def test_every_default_is_a_documented_setting():
    documented = {s.name for s in SETTINGS}
    assert set(config.DEFAULTS) <= documented
    assert documented - set(config.DEFAULTS) == set(config.NOT_KEPT)
