# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each control's pass / fail / not_applicable and its evidence."""

from __future__ import annotations

import pytest
from filter_data import BASELINE, GA, PRA, assignment

from ansible_collections.entra.pim.plugins.filter.pim_assignments import normalise_assignments
from ansible_collections.entra.pim.plugins.filter.pim_baseline import baseline_plan
from ansible.errors import AnsibleFilterError

from ansible_collections.entra.pim.plugins.filter import pim_compliance as compliance
from ansible_collections.entra.pim.plugins.filter.pim_compliance import CONTROLS, evaluate
from ansible_collections.entra.pim.plugins.filter.pim_compliance_azure import IDS as AZURE_IDS
from ansible_collections.entra.pim.plugins.module_utils._access_reviews_scan import CIS_5_3_3_ROLES
from test_pim_compliance_reviews import review

EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
OPTIONS = {"excluded_principals": ["breakglass1", "breakglass2"], "baseline": BASELINE}


def statuses(report):
    return {c["id"]: c["status"] for c in report["controls"]}


def control(report, cid):
    return next(c for c in report["controls"] if c["id"] == cid)


def hardened(settings):
    """The tenant after the baseline: every group's settings applied."""
    by_id = {r["id"]: r for r in settings}
    for group in baseline_plan(settings, BASELINE):
        for member in group["roles"]:
            merge(by_id[member["id"]]["settings"], group["settings"])
    return settings


def merge(into, new):
    for key, value in new.items():
        if isinstance(value, dict):
            merge(into.setdefault(key, {}), value)
        else:
            into[key] = value


def test_every_control_reported_once(settings, tidy_assignments):
    report = evaluate(settings, tidy_assignments, {"id": "t1", "name": "contoso"}, OPTIONS)
    # Without an Azure scan (pim_azure false) the Azure controls are left out, as before issue 11.
    assert [c["id"] for c in report["controls"]] == [c[0] for c in CONTROLS if c[0] not in AZURE_IDS]
    assert report["tenant_id"] == "t1" and report["tenant"] == "contoso"


def test_default_tenant_fails_settings_controls(settings, tidy_assignments):
    s = statuses(evaluate(settings, tidy_assignments, {}, OPTIONS))
    assert s["MS.AAD.7.1"] == "pass" and s["MS.AAD.7.4"] == "pass" and s["MS.AAD.7.5"] == "pass"
    for cid in ("MS.AAD.7.6", "MS.AAD.7.7", "MS.AAD.7.8", "MS.AAD.7.9", "CIS.5.3.4", "CIS.5.3.5",
                "BASELINE.tier0", "BASELINE.tier1"):
        assert s[cid] == "fail", cid
    assert s["CIS.5.3.3"] == "fail"  # access reviews not read: could not be checked (issue 16)
    # The default policy already asks for MFA, justification and 8 hours: the lighter tier holds.
    assert s["BASELINE.other"] == "pass"


def test_hardened_tenant_is_compliant(settings, tidy_assignments):
    # With a monthly access review of CIS 5.3.3's 6 roles (test_pim_compliance_reviews), as the scan reads it.
    scan = {"eligible": [a for a in tidy_assignments if a["kind"] == "eligible"],
            "active": [a for a in tidy_assignments if a["kind"] == "active"],
            "access_reviews": [review("Privileged roles", list(CIS_5_3_3_ROLES))]}
    report = evaluate(hardened(settings), scan, {}, dict(OPTIONS, today="2026-11-29"))
    assert report["failed"] == [] and report["compliant"] is True
    assert report["summary"] == {"pass": 18, "fail": 0, "not_applicable": 1}  # no baseline access review asked


def test_global_admin_count_one_control_per_source(settings, tidy_assignments):
    """6 Global Administrators: CISA's 2 to 8 holds, CIS 1.1.3's 2 to 4 and Microsoft's fewer than 5 do not,
    each control with its own bounds and evidence; 9 fail all three, 1 fails all three too."""
    many = tidy_assignments + [assignment(u, GA, permanent=False, end="2027-01-01T00:00:00Z")
                               for u in ("victor", "trent", "erin")]
    report = evaluate(settings, many, {}, OPTIONS)
    s = statuses(report)
    assert (s["MS.AAD.7.1"], s["CIS.1.1.3"], s["MSFT.BP.5"]) == ("pass", "fail", "fail")
    assert control(report, "MS.AAD.7.1")["summary"] == "6 Global Administrators (allowed 2-8; users counted)"
    assert control(report, "CIS.1.1.3")["summary"] == "6 Global Administrators (allowed 2-4; principals counted)"
    assert control(report, "MSFT.BP.5")["summary"] == "6 Global Administrators (fewer than 5; principals counted)"
    for cid, status in (("MS.AAD.7.1", "pass"), ("CIS.1.1.3", "fail")):
        findings = control(report, cid)["findings"]
        assert {f["principal"] for f in findings} == {"breakglass1", "breakglass2", "alice", "victor", "trent", "erin"}
        assert {f["status"] for f in findings} == {status}
    # CISA 7.2, as ScubaGear decides it: 6 Global Administrators against 3 people holding only other roles.
    assert s["MS.AAD.7.2"] == "fail" and "least privilege score 2.00" in control(report, "MS.AAD.7.2")["summary"]
    nine = many + [assignment(u, GA, "eligible", end="2027-01-01T00:00:00Z") for u in ("p", "q", "r")]
    s = statuses(evaluate(settings, nine, {}, OPTIONS))
    assert (s["MS.AAD.7.1"], s["CIS.1.1.3"], s["MSFT.BP.5"], s["MS.AAD.7.2"]) == ("fail",) * 4
    one = [a for a in tidy_assignments if a["principal"] != "breakglass2" and a["principal"] != "alice"]
    s = statuses(evaluate(settings, one, {}, OPTIONS))
    assert (s["MS.AAD.7.1"], s["CIS.1.1.3"], s["MSFT.BP.5"]) == ("fail", "fail", "pass")


def test_deprecated_ga_max_is_ignored_with_a_deprecation(settings, tidy_assignments, monkeypatch):
    said = []
    monkeypatch.setattr(compliance.Display, "deprecated", lambda self, msg, **kw: said.append((msg, kw)))
    many = tidy_assignments + [assignment(u, GA, "eligible", end="2027-01-01T00:00:00Z") for u in ("v", "t", "e")]
    report = evaluate(settings, many, {}, dict(OPTIONS, ga_min=2, ga_max=8))
    assert statuses(report)["CIS.1.1.3"] == "fail"
    assert len(said) == 1 and "compliance_ga_max" in said[0][0] and "CIS.1.1.3 (2 to 4)" in said[0][0]
    assert said[0][1] == {"version": "1.0.0", "collection_name": "entra.pim"}
    evaluate(settings, many, {}, OPTIONS)
    assert len(said) == 1


def test_break_glass_counted_where_the_standard_counts_it(settings, tidy_assignments):
    report = evaluate(settings, tidy_assignments, {}, OPTIONS)
    for cid in ("MS.AAD.7.1", "CIS.1.1.3", "MSFT.BP.5"):
        bg = {f["principal"]: f["detail"] for f in control(report, cid)["findings"]
              if f["principal"].startswith("breakglass")}
        assert set(bg) == {"breakglass1", "breakglass2"}
        assert all(d.startswith(f"break-glass, counted: {cid} exempts no Global Administrator") for d in bg.values())


def test_controls_option_accepts_published_aliases(settings, tidy_assignments):
    for names in (["MS.AAD.7.1v1", "ms.me-id.7.4v1", "CIS 1.1.3"], ["MS.AAD.7.1", "MS.ME-ID.7.4", "cis.1.1.3"]):
        report = evaluate(settings, tidy_assignments, {}, dict(OPTIONS, controls=names))
        assert [c["id"] for c in report["controls"]] == ["MS.AAD.7.1", "CIS.1.1.3", "MS.AAD.7.4"]
        assert sum(report["summary"].values()) == 3
    c71 = control(evaluate(settings, tidy_assignments, {}, OPTIONS), "MS.AAD.7.1")
    assert c71["aliases"] == ["MS.AAD.7.1v1", "MS.ME-ID.7.1v1"]
    with pytest.raises(AnsibleFilterError, match=r"controls: unknown control id\(s\) MS.AAD.7.10, nope; valid ids"):
        evaluate(settings, tidy_assignments, {}, dict(OPTIONS, controls=["MS.AAD.7.1", "MS.AAD.7.10", "nope"]))


def test_group_members_counted_not_the_group(settings, tidy_assignments):
    data = tidy_assignments + [assignment("PIM-GA", GA, "eligible", principal_type="group"),
                               assignment("dan", GA, "eligible", member_type="Group", via_group="PIM-GA")]
    c71 = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.1")
    assert c71["summary"].startswith("4 Global Administrators")


def test_synced_privileged_user(settings, tidy_assignments):
    data = tidy_assignments + [assignment("frank", PRA, "eligible", synced=True)]
    c = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.3")
    assert c["status"] == "fail"
    assert c["findings"] == [{"status": "fail", "role": "Privileged Role Administrator", "principal": "frank",
                              "setting": "onPremisesImmutableId", "expected": "null", "actual": "set",
                              "detail": "synced from on-premises"}]
    unknown = [dict(a, synced=None) for a in tidy_assignments]
    assert control(evaluate(settings, unknown, {}, OPTIONS), "MS.AAD.7.3")["status"] == "not_applicable"


def test_sync_status_from_activation_info_evaluates_7_3(settings):
    """pim_activation_info with include_sync_status: user rows carry ``synced``, group and service principal
    rows do not; the control evaluates (no longer not_applicable) and names the synced user once."""
    def row(principal, role_id, kind, ptype="user", **extra):
        names = {GA: "Global Administrator", PRA: "Privileged Role Administrator"}
        return {"principal": principal, "principal_id": f"id-{principal}", "role_id": role_id, "kind": kind,
                "role": names[role_id],
                "principal_type": ptype, "member_type": "direct", "end": "2027-01-01T00:00:00Z", **extra}

    scan = {"eligible": [row("frank@x", PRA, "eligible", synced=True), row("alice@x", GA, "eligible", synced=False),
                         row("PIM-GA", GA, "eligible", "group")],
            "active": [row("frank@x", GA, "active", assignment_type="activated", synced=True),
                       row("ops", PRA, "active", "servicePrincipal", assignment_type="assigned")],
            "pending_requests": None, "role_settings": settings}
    c = control(evaluate(settings, scan, {}, OPTIONS), "MS.AAD.7.3")
    assert c["status"] == "fail" and c["summary"].startswith("1 synced of 2")
    assert [(f["principal"], f["role"]) for f in c["findings"]] == [
        ("frank@x", "Global Administrator, Privileged Role Administrator")]
    for rows in scan["eligible"], scan["active"]:
        for r in rows:
            r["synced"] = False if r["principal_type"] == "user" else None
    assert control(evaluate(settings, scan, {}, OPTIONS), "MS.AAD.7.3")["status"] == "pass"


def test_permanent_actives_exempt_break_glass_only(settings, tidy_assignments):
    data = tidy_assignments + [assignment("victor", GA, permanent=True),
                               assignment("pim-admin", PRA, permanent=True, principal_type="servicePrincipal"),
                               assignment("walter", GA, "active", permanent=True, assignment_type="Activated"),
                               assignment("heidi", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", permanent=True)]
    report = evaluate(settings, data, {}, OPTIONS)
    c = control(report, "MS.AAD.7.4")
    assert c["status"] == "fail"
    assert sorted((f["principal"], f["status"]) for f in c["findings"]) == [
        ("breakglass1", "exempt"), ("breakglass2", "exempt"), ("pim-admin", "fail"), ("victor", "fail")]
    cis = control(report, "CIS.5.3.1")
    assert sorted((f["principal"], f["status"]) for f in cis["findings"]) == [
        ("breakglass1", "exempt"), ("breakglass2", "exempt"), ("pim-admin", "fail"), ("victor", "fail")]
    assert statuses(evaluate(settings, tidy_assignments, {}, {}))["MS.AAD.7.4"] == "fail"


def test_cis_allows_two_break_glass_accounts_at_most(settings, tidy_assignments):
    data = tidy_assignments + [assignment("breakglass3", GA, permanent=True)]
    options = dict(OPTIONS, excluded_principals=["breakglass1", "breakglass2", "breakglass3"])
    report = evaluate(settings, data, {}, options)
    assert statuses(report)["MS.AAD.7.4"] == "pass"
    assert statuses(report)["CIS.5.3.1"] == "fail"


def test_outside_pim(settings, tidy_assignments):
    data = tidy_assignments + [assignment("dave", EXCHANGE, permanent=True, outside_pim=True)]
    c = control(evaluate(settings, data, {}, OPTIONS), "MS.AAD.7.5")
    assert c["status"] == "fail" and c["findings"][0]["principal"] == "dave"


def test_approval_needs_approvers(settings, tidy_assignments):
    ga = next(r for r in settings if r["id"] == GA)
    ga["settings"]["activation"]["require_approval"] = True
    c = control(evaluate(settings, tidy_assignments, {}, OPTIONS), "CIS.5.3.4")
    assert c["status"] == "fail"
    assert [f["setting"] for f in c["findings"] if f["status"] == "fail"] == ["activation.approvers"]


def test_missing_role_is_not_applicable(settings, tidy_assignments):
    without_pra = [r for r in settings if r["id"] != PRA]
    assert statuses(evaluate(without_pra, tidy_assignments, {}, OPTIONS))["CIS.5.3.5"] == "not_applicable"


def test_no_baseline_means_not_applicable(settings, tidy_assignments):
    s = statuses(evaluate(settings, tidy_assignments, {}, {}))
    assert s["BASELINE.tier0"] == s["BASELINE.tier1"] == s["BASELINE.other"] == "not_applicable"


def test_flatten_activation_info_shapes():
    flat = normalise_assignments({
        "eligible": [{"roleDefinitionId": GA.upper(), "principalId": "p1", "principal": "a@x",
                      "principalType": "#microsoft.graph.user", "memberType": "Direct", "endDateTime": None}],
        "active": [{"role_id": PRA, "principal_id": "p2", "principal_type": "servicePrincipal",
                    "assignmentType": "Assigned", "end": "2027-01-01T00:00:00Z", "onPremisesImmutableId": "x"}]})
    assert flat[0]["kind"] == "eligible" and flat[0]["role_id"] == GA and flat[0]["permanent"] is True
    assert flat[0]["principal_type"] == "user" and flat[0]["member_type"] == "direct"
    assert flat[1]["kind"] == "active" and flat[1]["assignment_type"] == "assigned"
    assert flat[1]["permanent"] is False and flat[1]["synced"] is True
    assert normalise_assignments(None) == []


BREAK_GLASS = "breakglass1@contoso.onmicrosoft.com"
BREAK_GLASS_ID = "6a0f4c3e-0000-4000-8000-000000000b01"


@pytest.mark.parametrize("ptype", ["group", "servicePrincipal", None])
def test_a_principal_named_like_a_break_glass_upn_is_not_exempt(settings, ptype):
    """Whoever administers a tenant may name a group or an app anything, including a break-glass UPN: the
    exemption follows the user with that UPN (by object id), never a display name of another type."""
    impostor = assignment(BREAK_GLASS.upper(), GA, permanent=True, principal_type=ptype,
                          principal_id="9d4a1b2c-0000-4000-8000-0000000000aa")
    real = assignment(BREAK_GLASS, GA, permanent=True, principal_id=BREAK_GLASS_ID)
    report = evaluate(settings, [real, impostor], {}, dict(OPTIONS, excluded_principals=[BREAK_GLASS]))
    for cid in ("MS.AAD.7.4", "CIS.5.3.1"):
        found = {f["principal"]: f["status"] for f in control(report, cid)["findings"]}
        assert found == {BREAK_GLASS: "exempt", BREAK_GLASS.upper(): "fail"}, cid
    assert "MS.AAD.7.4" in report["failed"]


def test_break_glass_by_object_id_and_the_upns_other_assignments(settings):
    """An object id exempts exactly that object (whatever its type); a UPN, resolved once, exempts every
    assignment of that user, also one whose row carries another label (principal unresolved)."""
    group_id = "1b2c3d4e-0000-4000-8000-0000000000cc"
    data = [assignment(BREAK_GLASS, GA, permanent=True, principal_id=BREAK_GLASS_ID),
            assignment(BREAK_GLASS_ID, PRA, permanent=True, principal_id=BREAK_GLASS_ID, principal_type=None),
            assignment("Emergency group", GA, permanent=True, principal_type="group", principal_id=group_id),
            assignment("Other group", PRA, permanent=True, principal_type="group",
                       principal_id="1b2c3d4e-0000-4000-8000-0000000000dd")]
    report = evaluate(settings, data, {}, dict(OPTIONS, excluded_principals=[BREAK_GLASS, group_id.upper()]))
    found = sorted((f["principal"], f["role"], f["status"]) for f in control(report, "MS.AAD.7.4")["findings"])
    assert found == [(BREAK_GLASS_ID, "Privileged Role Administrator", "exempt"),
                     ("Emergency group", "Global Administrator", "exempt"),
                     ("Other group", "Privileged Role Administrator", "fail"),
                     (BREAK_GLASS, "Global Administrator", "exempt")]


def test_break_glass_without_object_ids_matches_users_only(settings):
    """Hand-written flat data without ids: a UPN still matches a user row, never a group row."""
    data = [assignment(BREAK_GLASS, GA, permanent=True, principal_id=None),
            assignment(BREAK_GLASS, PRA, permanent=True, principal_id=None, principal_type="group")]
    report = evaluate(settings, data, {}, dict(OPTIONS, excluded_principals=[BREAK_GLASS]))
    found = sorted((f["role"], f["status"]) for f in control(report, "MS.AAD.7.4")["findings"])
    assert found == [("Global Administrator", "exempt"), ("Privileged Role Administrator", "fail")]


def test_break_glass_exempt_wherever_the_standard_allows(settings, tidy_assignments):
    """7.4 (CISA's note) and CIS 5.3.1 exempt break-glass, showing it as evidence; 7.5 names no exception (nor does
    ScubaGear's 7.5), so a break-glass assignment made outside PIM fails, saying why."""
    rows = [dict(a, outside_pim=a["principal"] == "breakglass1") for a in tidy_assignments]
    rows.append(assignment("mallory", EXCHANGE, permanent=True, outside_pim=True))
    report = evaluate(settings, rows, {}, OPTIONS)
    c75 = control(report, "MS.AAD.7.5")
    assert c75["status"] == "fail" and c75["summary"] == "2 assignments made outside PIM"
    assert {f["principal"]: (f["status"], f.get("detail", "")[:40]) for f in c75["findings"]} == {
        "breakglass1": ("fail", "break-glass, counted: MS.AAD.7.5 names n"), "mallory": ("fail", "")}
    for cid in ("MS.AAD.7.4", "CIS.5.3.1"):
        exempt = {f["principal"]: f["detail"] for f in control(report, cid)["findings"] if f["status"] == "exempt"}
        assert exempt == {"breakglass1": "exempt: break-glass", "breakglass2": "exempt: break-glass"}, cid
    without = evaluate(settings, rows, {}, dict(OPTIONS, excluded_principals=[]))
    assert not [f for c in without["controls"] for f in c["findings"] if "break-glass" in f.get("detail", "")]
