"""Configuration: production refuses unsafe settings; the environment is read as CONTRACT.md says."""

from __future__ import annotations

import pytest

from portal_plugin import create_app
from portal_plugin.core.config import ConfigError, from_environment

STRONG = "k8Jq2-vX9pLr4Tz7Wm1Nc5Yb3Hd6Gf0Sa_eU"


def production(tmp_path, **overrides):
    config = {
        "APP_ENV": "production",
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": STRONG,
        "SSO_ISSUER": "https://portal.example.gov.cn/oidc",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3",
    }
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


def test_production_starts_with_a_safe_configuration(tmp_path):
    app = create_app(production(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "hrm.dev_portal.login_page" not in app.view_functions


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 64}, "SECRET_KEY"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY"),
        ({"PORTAL_DEV_MODE": True}, "PORTAL_DEV_MODE"),
        ({"SSO_ISSUER": None}, "SSO_ISSUER"),
    ],
    ids=["no-secret", "short-secret", "repetitive-secret", "known-weak-secret", "dev-mode",
         "no-issuer"],
)
def test_production_refuses_to_start(tmp_path, overrides, reason):
    with pytest.raises(ConfigError, match=reason):
        create_app(production(tmp_path, **overrides))


def test_environment_variables_are_read_as_the_contract_names_them(tmp_path):
    role_map = tmp_path / "roles.json"
    role_map.write_text('{"BIZ_SL": {"label": "受理岗", "permissions": ["licensing.accept"]}}')
    config = from_environment({
        "DATABASE_URL": "postgresql:///hrm",
        "SECRET_KEY": STRONG,
        "SSO_ISSUER": "https://portal/oidc",
        "SSO_CLIENT_ID": "hrm",
        "SSO_CLIENT_SECRET": "s",
        "SSO_ROLES_CLAIM": "biz_roles",
        "SSO_DIVISION_CLAIM": "org_division",
        "SSO_ORG_CLAIM": "uscc",
        "SSO_NAME_CLAIM": "cn",
        "SSO_REQUIRED_AMR": "sscard",
        "SSO_ROLE_MAP": str(role_map),
        "PORTAL_DEV_MODE": "1",
        "PORTAL_ORIGIN": "https://portal",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql:///hrm"
    assert "SSO_AUDIENCE" not in config
    app = create_app({**config, "INSTANCE_PATH": str(tmp_path), "PORTAL_DEV_MODE": False,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SSO_AUDIENCE"] == "hrm", "SSO_AUDIENCE defaults to SSO_CLIENT_ID"
    assert config["SSO_ROLES_CLAIM"] == "biz_roles"
    assert config["SSO_DIVISION_CLAIM"] == "org_division"
    assert config["SSO_ORG_CLAIM"] == "uscc"
    assert config["SSO_NAME_CLAIM"] == "cn"
    assert config["SSO_REQUIRED_AMR"] == "sscard"
    assert config["PORTAL_DEV_MODE"] is True
    assert config["PORTAL_ORIGIN"] == "https://portal"


def test_dev_mode_is_off_unless_asked_for(tmp_path):
    assert "PORTAL_DEV_MODE" not in from_environment({})
    app = create_app({**from_environment({}), "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PORTAL_DEV_MODE"] is False


def test_postgres_urls_use_psycopg3(tmp_path):
    app = create_app(production(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql://u@h/db"))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_secret_is_made_once_and_shared(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
