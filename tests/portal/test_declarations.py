"""The permission + menu declarations: declarations, menus per role, the manifest, start-up checks."""

from __future__ import annotations

import pytest
from flask import Blueprint

from portal_plugin import app as app_module
from portal_plugin.core.access import DeclarationError, MenuItem, declared, requires
from portal_plugin.core.permissions import DEFAULT_ROLES, PERMISSIONS

BUREAU_MENU = [
    "行政许可受理", "行政许可审批", "行政许可查看", "业务备案受理", "业务备案核查", "业务备案查看",
    "事项变更受理", "事项变更审批", "设立分支机构报告受理", "设立分支机构报告审核", "注销受理", "注销审批",
    "注销单位行政许可", "机构管理", "年度报告查阅", "现场招聘会查阅", "按年度统计各地区新增情况",
    "按年度统计各地区注销情况", "历史数据采集",
]

# CONTRACT.md: functions beyond the manual add items of their own labels, after the manual's.
BEYOND_MANUAL = ["行政许可延续受理", "行政许可延续审批", "告知承诺核查", "双公示", "工作日历"]

AGENCY_MENU = ["本机构信息", "申请行政许可", "申请业务备案", "申请事项变更", "报告设立分支机构", "申请注销",
               "申请延续", "现场招聘会登记", "年度报告填报"]


def menu_labels(payload: dict) -> list[str]:
    return [item["label"] for group in payload["groups"] for item in group["items"]]


def test_every_bundle_endpoint_declares_a_permission_or_is_public(app):
    bundle = [e for e in app.view_functions if e.startswith("hrm.") and e != "hrm.static"]
    endpoints = {reg.endpoint for reg in declared(app)}
    assert set(bundle) == endpoints
    for endpoint in bundle:
        access = app.view_functions[endpoint].hrm_access
        assert access.public or access.permissions <= PERMISSIONS.keys()


def test_manifest_lists_the_manuals_nineteen_bureau_items_in_order(client):
    manifest = client.get("/portal/manifest.json").json
    bureau = [m for m in manifest["menu"] if m["side"] == "bureau"]
    assert [m["label"] for m in bureau] == BUREAU_MENU + BEYOND_MANUAL
    stats = [m for m in bureau if m["label"].startswith("按年度统计")]
    assert {m["group"] for m in stats} == {"人力资源服务机构统计分析"}
    for item in manifest["menu"]:
        assert item["permission"] in PERMISSIONS
        assert item["url"].startswith("/")
    assert {r["code"] for r in manifest["roles"]} == set(DEFAULT_ROLES)
    assert {p["code"] for p in manifest["permissions"]} == set(PERMISSIONS)


def test_manifest_needs_no_login(client):
    response = client.get("/portal/manifest.json")
    assert response.status_code == 200
    assert response.json["id"] == "hrm-market"


@pytest.mark.parametrize("role", sorted(DEFAULT_ROLES))
def test_menu_json_lists_exactly_the_items_the_role_permits(client, auth_header, app, role):
    expected = [
        m["label"] for m in client.get("/portal/manifest.json").json["menu"]
        if m["permission"] in DEFAULT_ROLES[role].permissions
    ]
    response = client.get("/portal/menu.json", headers=auth_header(role))
    assert response.status_code == 200
    assert menu_labels(response.json) == expected
    assert expected, "every default role has at least one menu item"


def test_district_acceptance_officer_sees_acceptance_and_view_functions_only(client, auth_header):
    labels = menu_labels(client.get("/portal/menu.json", headers=auth_header("HRM_SL")).json)
    assert "行政许可受理" in labels and "注销受理" in labels
    assert not any(label.endswith(("审批", "审核", "核查")) for label in labels)
    assert "机构管理" not in labels and "本机构信息" not in labels


def test_agency_clerk_sees_only_the_agency_side(client, auth_header):
    payload = client.get("/portal/menu.json", headers=auth_header("HRM_JG")).json
    assert menu_labels(payload) == AGENCY_MENU
    assert all(item["side"] == "agency" for g in payload["groups"] for item in g["items"])


def test_unmapped_role_gets_the_no_access_page_not_a_login_loop(login_as):
    browser = login_as("PORTAL_USER")
    response = browser.get("/")
    assert response.status_code == 403
    assert "未获授权，请联系门户管理员" in response.text
    assert "Location" not in response.headers


def test_unmapped_role_gets_403_json_on_the_menu(client, auth_header):
    response = client.get("/portal/menu.json", headers=auth_header("SOMETHING_ELSE"))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "no_access"


def test_role_without_the_permission_gets_403_on_the_page(login_as):
    assert login_as("HRM_SH").get("/licensing/accept").status_code == 403
    assert login_as("HRM_SL").get("/licensing/accept").status_code == 200


def test_page_without_session_redirects_to_the_plugin_login(client):
    response = client.get("/licensing/accept")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sso/login?next=")


def test_api_style_request_without_identity_gets_401_json(client):
    response = client.get("/portal/menu.json")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_role_map_file_redefines_roles(make_app, tmp_path, auth_header):
    path = tmp_path / "roles.json"
    path.write_text('{"X_ONLY_STATS": {"label": "统计岗", "permissions": ["statistics.view"]}}')
    app = make_app(SSO_ROLE_MAP=str(path))
    client = app.test_client()
    from sso.devportal import dev_portal_for

    with app.app_context():
        token = dev_portal_for(app).mint(
            {"sub": "s", "name": "n", "division": "120000", "roles": ["X_ONLY_STATS"]})
    labels = menu_labels(client.get("/portal/menu.json",
                                    headers={"Authorization": f"Bearer {token}"}).json)
    assert labels == ["按年度统计各地区新增情况", "按年度统计各地区注销情况"]
    # The default HRM_SL role no longer exists under this map.
    assert client.get("/portal/menu.json", headers=auth_header("HRM_SL")).status_code == 403


def test_role_map_naming_an_unknown_permission_refuses_to_start(make_app, tmp_path):
    path = tmp_path / "roles.json"
    path.write_text('{"R": {"permissions": ["licensing.destroy"]}}')
    with pytest.raises(ValueError, match="licensing.destroy"):
        make_app(SSO_ROLE_MAP=str(path))


def _with_extra_feature(monkeypatch, blueprint: Blueprint) -> None:
    monkeypatch.setattr(app_module, "FEATURES", (*app_module.FEATURES, blueprint))


def test_undeclared_endpoint_makes_create_app_fail(make_app, monkeypatch):
    rogue = Blueprint("rogue", __name__)
    rogue.add_url_rule("/rogue", "rogue", lambda: "open to all")
    _with_extra_feature(monkeypatch, rogue)
    with pytest.raises(DeclarationError, match="hrm.rogue.rogue"):
        make_app()


def test_duplicate_menu_label_makes_create_app_fail(make_app, monkeypatch):
    twin = Blueprint("twin", __name__)
    view = requires("licensing.view", menu=MenuItem("行政许可查看", "行政许可", 5))(lambda: "x")
    twin.add_url_rule("/twin", "twin", view)
    _with_extra_feature(monkeypatch, twin)
    with pytest.raises(DeclarationError, match="行政许可查看"):
        make_app()


def test_duplicate_blueprint_name_makes_create_app_fail(make_app, monkeypatch):
    _with_extra_feature(monkeypatch, Blueprint("pages", __name__))
    with pytest.raises(ValueError, match="pages"):
        make_app()


def test_unknown_permission_in_a_declaration_fails_at_import_time():
    with pytest.raises(DeclarationError, match="nonsense.perm"):
        requires("nonsense.perm")
