"""Claims → Identity: role mapping, required amr, missing claims, jurisdiction."""

from __future__ import annotations

import pytest

from portal_plugin.core.jurisdiction import covered_divisions, in_jurisdiction, jurisdiction
from portal_plugin.core.permissions import DEFAULT_ROLES
from sso.claims import ClaimNames, identity_from_claims

NAMES = ClaimNames()


def identity(required_amr=None, **claims):
    claims.setdefault("sub", "u1")
    return identity_from_claims(claims, role_map=DEFAULT_ROLES, names=NAMES,
                                required_amr=required_amr)


def test_roles_map_to_the_union_of_their_permissions():
    who = identity(name="王敏", division="120101", roles=["HRM_SL", "HRM_CX"])
    assert who.can("licensing.accept") and who.can("statistics.view")
    assert not who.can("licensing.review")
    assert who.role_labels == ("受理岗", "查询岗")


def test_unknown_roles_grant_nothing():
    who = identity(division="120101", roles=["PORTAL_ADMIN"])
    assert who.permissions == frozenset()


def test_roles_claim_may_be_space_separated():
    assert identity(division="120101", roles="HRM_SL HRM_SH").can("licensing.review")


def test_required_amr_withholds_officer_functions_without_the_card_scan():
    who = identity(required_amr="sscard", division="120101", roles=["HRM_SL"], amr=["pwd"])
    assert who.permissions == frozenset()
    assert "电子社保卡" in who.denied_reason
    scanned = identity(required_amr="sscard", division="120101", roles=["HRM_SL"],
                       amr=["sscard"])
    assert scanned.can("licensing.accept")


def test_required_amr_does_not_apply_to_agency_clerks():
    who = identity(required_amr="sscard", roles=["HRM_JG"], org_credit_code="91110116MA003JK61B")
    assert who.is_agency_clerk and who.agency_credit_code == "91110116MA003JK61B"


def test_officer_without_a_valid_division_gets_nothing():
    for division in (None, "12010", "abc123", 120101):
        who = identity(division=division, roles=["HRM_SL"])
        assert who.permissions == frozenset(), division
        assert "行政区划" in who.denied_reason


def test_clerk_without_credit_code_gets_nothing():
    who = identity(roles=["HRM_JG"])
    assert not who.is_agency_clerk and "信用代码" in who.denied_reason


def test_configured_claim_names_are_read():
    names = ClaimNames(roles="biz", division="org_div", org="uscc", name="cn")
    who = identity_from_claims({"sub": "x", "cn": "李", "org_div": "120000", "biz": ["HRM_GL"]},
                               role_map=DEFAULT_ROLES, names=names)
    assert who.name == "李" and who.division == "120000" and who.can("agencies.manage")


@pytest.mark.usefixtures("app_context")
class TestJurisdiction:
    def test_city_covers_itself_and_every_district_including_legacy_codes(self):
        covered = covered_divisions("120000")
        assert "120000" in covered and "120101" in covered and "120119" in covered
        assert "120108" in covered  # legacy 汉沽 data stays visible to the city
        assert len(covered) == 1 + 16 + 8

    def test_district_covers_only_itself(self):
        assert covered_divisions("120101") == {"120101"}

    def test_unknown_or_missing_division_covers_nothing(self):
        assert covered_divisions("990000") == frozenset()
        assert covered_divisions(None) == frozenset()

    def test_agency_clerks_have_no_jurisdiction(self):
        clerk = identity(roles=["HRM_JG"], org_credit_code="91110116MA003JK61B",
                         division="120000")
        assert jurisdiction(clerk) == frozenset()

    def test_in_jurisdiction(self):
        district = identity(division="120101", roles=["HRM_SL"])
        assert in_jurisdiction(district, "120101")
        assert not in_jurisdiction(district, "120103")
        assert in_jurisdiction(identity(division="120000", roles=["HRM_SL"]), "120103")
