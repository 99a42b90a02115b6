# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure resource role controls (issue 11): each control's verdict and evidence, per subscription."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.entra.pim.plugins.filter.pim_compliance import canonical_control, control_aliases, evaluate
from ansible_collections.entra.pim.plugins.filter.pim_compliance_azure import (
    IDS, azure_scan, scope_kind, subscription_of,
)
from ansible_collections.entra.pim.plugins.filter.pim_report import to_html, to_junit, to_markdown
from ansible_collections.entra.pim.plugins.module_utils._baseline import (
    AZURE_OWNER, AZURE_RBAC_ADMINISTRATOR, AZURE_USER_ACCESS_ADMINISTRATOR, azure_baseline_role_settings,
    azure_baseline_settings,
)

PROD = "/subscriptions/11111111-1111-1111-1111-111111111111"
DEV = "/subscriptions/22222222-2222-2222-2222-222222222222"
ROOT_MG = "/providers/Microsoft.Management/managementGroups/tenant-1"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
NAMES = {AZURE_OWNER: "Owner", AZURE_USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
         AZURE_RBAC_ADMINISTRATOR: "Role Based Access Control Administrator", CONTRIBUTOR: "Contributor"}
BASELINE = {"tier0_approvers": ["approver@contoso.example"], "alert_mailbox": ["soc@contoso.example"],
            "activation_alert_mailbox": ["ops@contoso.example"]}
OPTIONS = {"excluded_principals": ["breakglass1@contoso.example"], "baseline": BASELINE}


def full_id(scope, guid):
    return f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def row(kind, role, principal, scope, pid=None, **extra):
    out = {"kind": kind, "role": NAMES[role], "role_id": full_id(scope, role), "principal": principal,
           "principal_id": pid or f"id-{principal.split('@')[0]}", "principal_type": "User", "scope": scope,
           "member_type": "Direct", "assignment_type": "assigned" if kind == "active" else None,
           "permanent": False, "end": "2027-01-01T00:00:00Z", "outside_pim": False}
    out.update(extra)
    return out


def azure_defaults():
    """Azure's documented defaults for resource roles: MFA on activation, 8 hours, no approval, permanent
    eligible and active assignments allowed (Microsoft Learn, Configure Azure resource role settings in PIM)."""
    return {"activation": {"max_duration": "PT8H", "require_mfa": True, "require_justification": True,
                           "require_ticket": False, "authentication_context": {"enabled": False},
                           "require_approval": False, "approvers": []},
            "eligible_assignment": {"allow_permanent": True, "max_duration": "P365D"},
            "active_assignment": {"allow_permanent": True, "max_duration": "P180D"},
            "notifications": {}}


def policies(settings=None, scopes=(PROD, DEV)):
    return [{"scope": scope, "role": NAMES[role], "id": role, "settings": copy.deepcopy(settings or azure_defaults())}
            for scope in scopes for role in (AZURE_OWNER, AZURE_USER_ACCESS_ADMINISTRATOR, AZURE_RBAC_ADMINISTRATOR)]


def seeded():
    """The default seed's Azure part: alice a permanent Owner of Production outside PIM, frank a permanent User
    Access Administrator of Development through PIM, breakglass1 a permanent Owner at the root group (seen as
    inherited from both subscriptions), bob eligible Owner of Production."""
    breakglass = [row("active", AZURE_OWNER, "breakglass1@contoso.example", sub, pid="id-bg1", permanent=True,
                      end=None, member_type="Inherited", inherited=True, inherited_from=ROOT_MG) for sub in (PROD, DEV)]
    for r in breakglass:
        r["scope"] = ROOT_MG  # ARM answers the scope the assignment was made at
    return {
        "scanned": True,
        "subscriptions": [{"id": PROD, "name": "Production"}, {"id": DEV, "name": "Development"}],
        "management_groups": [{"id": ROOT_MG, "name": "Tenant Root Group"}],
        "role_settings": policies(),
        "active": [row("active", AZURE_OWNER, "alice.admin@contoso.example", PROD, permanent=True, end=None,
                       outside_pim=True),
                   row("active", AZURE_USER_ACCESS_ADMINISTRATOR, "frank.synced@contoso.example", DEV, permanent=True,
                       end=None),
                   # Contributor standing is not the privileged roles' business.
                   row("active", CONTRIBUTOR, "carol@contoso.example", PROD, permanent=True, end=None),
                   # A just-in-time activation is no standing access.
                   row("active", AZURE_OWNER, "bob.secops@contoso.example", PROD, assignment_type="activated",
                       permanent=False)] + breakglass,
        "eligible": [row("eligible", AZURE_OWNER, "bob.secops@contoso.example", PROD, end="2027-06-01T00:00:00Z")],
    }


def hardened():
    """The seed after the baseline: settings applied, standing access replaced by eligibility (break-glass kept)."""
    azure = seeded()
    by_role = {}
    for group in azure_baseline_settings(BASELINE):
        for role in group["roles"]:
            by_role[role] = group["settings"]
    for entry in azure["role_settings"]:
        merged = entry["settings"]
        for key, value in by_role[entry["id"]].items():
            merged[key] = {**merged.get(key, {}), **value}
    azure["active"] = [r for r in azure["active"] if r["principal"].startswith(("breakglass", "carol", "bob"))]
    azure["eligible"] += [row("eligible", AZURE_OWNER, "alice.admin@contoso.example", PROD),
                          row("eligible", AZURE_USER_ACCESS_ADMINISTRATOR, "frank.synced@contoso.example", DEV)]
    return azure


def report(azure, options=None):
    return evaluate([], {"eligible": [], "active": [], "azure": azure}, {"id": "t1", "name": "contoso"},
                    OPTIONS if options is None else options)


def control(rep, cid):
    return next(c for c in rep["controls"] if c["id"] == cid)


def statuses(rep):
    return {c["id"]: c["status"] for c in rep["controls"] if c["id"] in IDS}


def test_scope_kinds():
    assert scope_kind("/") == "root"
    assert scope_kind(ROOT_MG) == "management_group"
    assert scope_kind(PROD) == "subscription"
    assert scope_kind(PROD + "/resourceGroups/rg-app") == "resource_group"
    assert scope_kind(PROD + "/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/st1") == "resource"
    assert subscription_of(PROD.upper() + "/resourceGroups/x") == PROD.lower()
    assert subscription_of(ROOT_MG) is None


def test_seeded_tenant_fails_standing_access_with_evidence_per_subscription():
    rep = report(seeded())
    pa2 = control(rep, "MCSB.PA-2")
    assert pa2["status"] == "fail"
    failing = [f for f in pa2["findings"] if f["status"] == "fail"]
    assert sorted((f["principal"].split("@")[0], f["role"], f["scope"]) for f in failing) == [
        ("alice.admin", "Owner", PROD), ("frank.synced", "User Access Administrator", DEV)]
    alice = next(f for f in failing if f["principal"].startswith("alice"))
    assert alice["detail"].startswith("subscription Production; made outside PIM")
    # Break-glass at the root group: reported once (not once per subscription inheriting it), exempt.
    exempt = [f for f in pa2["findings"] if f["status"] == "exempt"]
    assert len(exempt) == 1 and exempt[0]["scope"] == ROOT_MG
    assert exempt[0]["detail"] == "management group Tenant Root Group; exempt: break-glass; permanent through PIM"
    assert "Production: 1" in pa2["summary"] and "Development: 1" in pa2["summary"]
    assert pa2["sources"] == ["Microsoft cloud security benchmark v1 PA-2 (avoid standing access for user accounts "
                              "and permissions)"]


def test_break_glass_by_object_id_and_not_by_a_groups_name():
    azure = seeded()
    azure["active"].append(row("active", AZURE_OWNER, "breakglass1@contoso.example", DEV, pid="id-group",
                               principal_type="Group", permanent=True, end=None))
    pa2 = control(report(azure), "MCSB.PA-2")
    group = next(f for f in pa2["findings"] if f["scope"] == DEV and f["role"] == "Owner")
    assert group["status"] == "fail"  # a group named like the break-glass UPN is not exempt
    azure = seeded()
    alice_id = "aaaaaaaa-0000-4000-8000-000000000001"
    azure["active"][0]["principal_id"] = alice_id
    by_id = report(azure, dict(OPTIONS, excluded_principals=[alice_id.upper()]))
    alice = next(f for f in control(by_id, "MCSB.PA-2")["findings"] if f["principal"].startswith("alice"))
    assert alice["status"] == "exempt"


def test_resource_group_and_time_bound_assignments_are_not_standing_access():
    azure = seeded()
    azure["active"] = [row("active", AZURE_OWNER, "victor@contoso.example", PROD + "/resourceGroups/rg-app",
                           permanent=True, end=None),
                       row("active", AZURE_OWNER, "dana@contoso.example", PROD)]
    assert control(report(azure), "MCSB.PA-2")["status"] == "pass"


def test_settings_controls_fail_on_azure_defaults_and_name_the_subscription():
    s = statuses(report(seeded()))
    assert s["AZURE.activation"] == "pass"  # Azure's defaults already ask MFA and justification
    assert s["AZURE.approval"] == "fail"
    assert s["AZURE.activation_duration"] == "fail"  # PT8H against the baseline's PT4H
    assert s["AZURE.eligibility_expiry"] == "fail"
    assert s["BASELINE.azure"] == "fail"
    approval = control(report(seeded()), "AZURE.approval")
    failing = [f for f in approval["findings"] if f["status"] == "fail"]
    # Owner and User Access Administrator in both subscriptions, two settings each; RBAC Administrator not asked.
    assert len(failing) == 8
    assert {f["role"] for f in failing} == {"Owner", "User Access Administrator"}
    assert {f["detail"] for f in failing} == {"subscription Production", "subscription Development"}


def test_mfa_through_an_authentication_context_counts():
    azure = seeded()
    for entry in azure["role_settings"]:
        entry["settings"]["activation"].update(require_mfa=False, authentication_context={"enabled": True,
                                                                                          "claim_value": "c1"})
    assert statuses(report(azure))["AZURE.activation"] == "pass"
    azure["role_settings"][0]["settings"]["activation"]["require_justification"] = False
    act = control(report(azure), "AZURE.activation")
    assert act["status"] == "fail"
    assert [(f["role"], f["setting"], f["scope"]) for f in act["findings"] if f["status"] == "fail"] == [
        ("Owner", "activation.require_justification", PROD)]


def test_permanent_eligibility_fails_even_when_the_policy_forbids_it_now():
    azure = hardened()
    azure["eligible"].append(row("eligible", AZURE_RBAC_ADMINISTRATOR, "erin@contoso.example", DEV, permanent=True,
                                 end=None))
    elig = control(report(azure), "AZURE.eligibility_expiry")
    assert elig["status"] == "fail" and elig["summary"].startswith("1 permanent eligible assignments")
    assert [f["principal"] for f in elig["findings"] if f["status"] == "fail"] == ["erin@contoso.example"]


def test_hardened_tenant_passes_and_break_glass_stays():
    rep = report(hardened())
    s = statuses(rep)
    for cid in ("MCSB.PA-2", "AZURE.activation", "AZURE.approval", "AZURE.activation_duration",
                "AZURE.eligibility_expiry", "CIS.AZ.5.3.3", "BASELINE.azure"):
        assert s[cid] == "pass", (cid, control(rep, cid)["summary"])
    assert [f["status"] for f in control(rep, "MCSB.PA-2")["findings"]] == ["exempt"]
    subs = rep["azure"]["subscriptions"]
    assert [(x["name"], x["compliant"]) for x in subs] == [("Production", True), ("Development", False)]
    assert subs[1]["failed"] == ["CIS.AZ.5.27"]  # one owner in Development: CIS asks 2 to 3, a human decides


def test_owner_count_per_subscription():
    azure = hardened()
    owners = control(report(azure), "CIS.AZ.5.27")
    by_scope = {f["scope"]: f for f in owners["findings"]}
    assert by_scope[PROD]["status"] == "pass" and by_scope[PROD]["actual"] == 2  # alice eligible, bob eligible
    assert by_scope[DEV]["status"] == "fail" and by_scope[DEV]["actual"] == 0
    assert owners["summary"] == "1 of 2 subscriptions outside 2 to 3 owners"


def test_user_access_administrator_at_root_fails_cis_5_3_3_break_glass_counted():
    azure = hardened()
    azure["active"].append(row("active", AZURE_USER_ACCESS_ADMINISTRATOR, "breakglass1@contoso.example", "/",
                               pid="id-bg1", permanent=True, end=None))
    rep = report(azure)
    cis = control(rep, "CIS.AZ.5.3.3")
    assert cis["status"] == "fail"
    assert cis["findings"][0]["detail"] == "root scope /; break-glass, counted: CIS 5.3.3 names no exception"
    # The root's assignment fails every subscription in the roll-up.
    assert all("CIS.AZ.5.3.3" in sub["failed"] for sub in rep["azure"]["subscriptions"])


def test_azure_off_leaves_the_controls_out_and_no_subscription_is_not_applicable():
    off = report(azure_scan([], enabled=False))
    assert not [c for c in off["controls"] if c["id"] in IDS] and "azure" not in off
    none = report(azure_scan([]))
    assert set(statuses(none).values()) == {"not_applicable"}
    assert control(none, "MCSB.PA-2")["summary"] == "the app sees no subscription"
    failed = report(azure_scan([], reason="AuthorizationFailed: no Reader at any subscription") | {"scanned": False})
    assert control(failed, "MCSB.PA-2")["summary"].startswith("Azure resource roles not scanned: AuthorizationFailed")


def test_unreadable_subscription_is_no_evidence_of_compliance():
    azure = hardened()
    azure["errors"] = [{"scope": DEV, "msg": "403 AuthorizationFailed"}]
    pa2 = control(report(azure), "MCSB.PA-2")
    assert pa2["status"] == "fail" and pa2["summary"].endswith("1 scopes could not be read")
    assert pa2["findings"][-1]["detail"] == "subscription Development; 403 AuthorizationFailed"


def test_scan_gathers_module_results_once_per_assignment():
    seed = seeded()
    # pim_azure_role_setting_info's "policies" (its own shape), and a loop's results with an older "roles" shape.
    settings = {"results": [{"scope": PROD, "policies": [dict(e, role_id=e.pop("id")) for e in seed["role_settings"]
                                                         if e["scope"] == PROD]},
                            {"scope": DEV, "roles": [dict(e, scope=None) for e in seed["role_settings"]
                                                     if e["scope"] == DEV]},
                            {"failed": True, "msg": "403 AuthorizationFailed", "item": {"id": "/subscriptions/x"}}]}
    by_sub = [{"eligible": list(seed["eligible"]), "active": [r for r in seed["active"] if r["scope"] != DEV]},
              {"eligible": [], "active": [r for r in seed["active"] if r["scope"] != PROD]}]
    out = azure_scan(seed["subscriptions"], settings, by_sub)
    assert len(out["role_settings"]) == 6 and {e["scope"] for e in out["role_settings"]} == {PROD, DEV}
    # The break-glass row (root group) is seen from both subscriptions; kept once per id/scope.
    assert len([r for r in out["active"] if r["principal"].startswith("breakglass")]) == 2
    assert out["errors"] == [{"scope": "/subscriptions/x", "msg": "403 AuthorizationFailed"}]


def test_reports_render_the_azure_controls_with_their_subscription():
    rep = report(seeded())
    md, html, junit = to_markdown([rep]), to_html([rep]), to_junit([rep])
    assert "MCSB.PA-2" in md and "subscription Production" in md
    assert "CIS.AZ.5.27" in html and "subscription Development" in html
    assert "MCSB.PA-2" in junit and "alice.admin@contoso.example" in junit


@pytest.mark.parametrize("alias", ["CIS Azure 5.3.3", "cis.az.5.3.3", "CIS AZ 5.3.3", "CIS Azure v5.0.0 5.3.3"])
def test_cis_azure_ids_do_not_collide_with_cis_m365(alias):
    assert canonical_control(alias) == "CIS.AZ.5.3.3"
    assert canonical_control("CIS 5.3.3") == "CIS.5.3.3"
    assert control_aliases("CIS.AZ.5.27") == ["CIS Azure 5.27"]


def test_controls_option_picks_azure_controls():
    rep = evaluate([], {"eligible": [], "active": [], "azure": seeded()}, {"id": "t1"},
                   dict(OPTIONS, controls=["MCSB.PA-2", "CIS Azure 5.27"]))
    assert [c["id"] for c in rep["controls"]] == ["MCSB.PA-2", "CIS.AZ.5.27"]


def test_baseline_role_settings_one_entry_per_group_and_scope():
    entries = azure_baseline_role_settings([{"id": PROD}, DEV], BASELINE)
    assert [(e["name"], e["scope"]) for e in entries] == [("azure_approval", PROD), ("azure", PROD),
                                                          ("azure_approval", DEV), ("azure", DEV)]
    approval = entries[0]
    assert approval["roles"] == [AZURE_OWNER, AZURE_USER_ACCESS_ADMINISTRATOR]
    assert approval["activation"]["require_approval"] is True
    assert approval["activation"]["approvers"] == ["approver@contoso.example"]
    assert approval["activation"]["max_duration"] == "PT4H"
    assert approval["eligible_assignment"] == {"allow_permanent": False, "max_duration": "P365D"}
    assert entries[1]["roles"] == [AZURE_RBAC_ADMINISTRATOR]
    assert "require_approval" not in entries[1]["activation"]  # never switches approval off
    own = azure_baseline_settings(dict(BASELINE, azure_approvers=["group:Azure-Approvers"],
                                       azure_max_activation="PT2H", authentication_context="c1"))
    assert own[0]["settings"]["activation"]["approvers"] == ["group:Azure-Approvers"]
    assert own[0]["settings"]["activation"]["max_duration"] == "PT2H"
    assert own[0]["settings"]["activation"]["require_mfa"] is False
    assert own[0]["settings"]["activation"]["authentication_context"] == {"enabled": True, "claim_value": "c1"}


def test_roles_by_name_as_the_role_variables_give_them():
    names = dict(BASELINE, azure_roles=["Owner", "User Access Administrator",
                                        "Role Based Access Control Administrator"],
                 azure_approval_roles=["owner", "User Access Administrator"])
    groups = azure_baseline_settings(names)
    assert [(g["name"], g["roles"]) for g in groups] == [
        ("azure_approval", ["Owner", "User Access Administrator"]),
        ("azure", ["Role Based Access Control Administrator"])]
    rep = report(hardened(), dict(OPTIONS, baseline=names))
    assert statuses(rep)["BASELINE.azure"] == "pass"
    assert statuses(report(seeded(), dict(OPTIONS, baseline=names)))["MCSB.PA-2"] == "fail"
