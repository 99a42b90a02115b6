"""Standing access through a group (issue 12): the scan finds it, explains it, and the baseline removes it.

A tenant whose only standing Global Administrator path, break-glass accounts aside, is a permanent active
member of a role-assignable group that holds Global Administrator permanently:

1. the read-only scan (check mode) fails CISA MS.AAD.7.4 and names the path ("Global Administrator via group
   PIM-Tier0 (active member)"), in the report and its files, writing nothing;
2. roles/baseline with its opt-in PIM for Groups tier (baseline_pim_groups) in check mode writes nothing, then
   converts the membership to eligible (pim_group_active_assignment with replace_permanent_with_eligible) and
   hardens the group's member policy (pim_group_setting: MFA, justification, approval for tier 0);
3. the scan passes MS.AAD.7.4 and shows the member as eligible through the group; the tenant holds an eligible
   membership and no active one for that member;
4. the baseline again changes nothing.

Runs once the PIM for Groups modules exist (h.have_module).
"""

from __future__ import annotations

import json

import pytest

import _harness as h
from pim_emulator.seed import default_apps

GROUP_MODULES = ("pim_group_active_assignment", "pim_group_setting", "pim_group_setting_info")
pytestmark = pytest.mark.skipif(not all(h.have_module(m) for m in GROUP_MODULES),
                                reason="the PIM for Groups modules of issue 12 are not in this tree yet")

BREAKGLASS = ["breakglass1@{{ domain }}", "breakglass2@{{ domain }}"]
# The pattern Microsoft recommends for a tier 0 group: the group holds Global Administrator actively and PIM for
# Groups makes its membership just in time. Protected, the group's own assignment stays as it is (otherwise the
# directory tier would make the group eligible too, and the scan would pass without the group tier doing
# anything); the group tier makes Ian's membership eligible.
PROTECTED = BREAKGLASS + ["group:PIM-Tier0"]
PATH_ACTIVE = "Global Administrator via group PIM-Tier0 (active member)"
PATH_ELIGIBLE = "Global Administrator via group PIM-Tier0 (eligible member)"


def seed_document() -> dict:
    names = ("breakglass1", "breakglass2", "ian.ops", "alice.approver", "bob.approver")
    users = [{"name": n, "displayName": n, "mfa": True} for n in names]
    assignment = {"role": "Global Administrator", "kind": "active", "permanent": True, "duration": None,
                  "outsidePim": False, "scope": "/"}
    return {"tenants": [{
        "name": "tier0groups",
        "users": users,
        "groups": [{"displayName": "PIM-Tier0", "isAssignableToRole": True, "members": ["ian.ops"],
                    "owners": ["alice.approver"]},
                   {"displayName": "PIM-Approvers-Tier0", "isAssignableToRole": True,
                    "members": ["alice.approver", "bob.approver"]}],
        "apps": default_apps(),
        "administrativeUnits": [],
        "assignments": [dict(assignment, principal=p) for p in ("breakglass1", "breakglass2", "group:PIM-Tier0")],
        # Ian's permanent active membership, given through PIM for Groups (so the group is PIM-managed).
        "group_pim": [{"group": "PIM-Tier0", "principal": "ian.ops", "access": "member", "kind": "active",
                       "permanent": True, "outsidePim": False}],
    }]}


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    wd = tmp_path_factory.mktemp("groups")
    seed = wd / "seed.json"
    seed.write_text(json.dumps(seed_document()))
    emulator = h.Emu(wd / "emu", ["--seed", str(seed)])
    yield emulator
    emulator.stop()


def scan(emu, tmp_path, name):
    reports = tmp_path / f"reports-{name}"
    tasks = [{"name": "Scan", "ansible.builtin.include_role": {"name": "entra.pim.compliance"}, "vars": {
        "entra_tenant_id": emu.tenants[0]["id"], "compliance_report_dir": str(reports),
        "compliance_excluded_principals": BREAKGLASS, "compliance_check_baseline": False,
        "compliance_return_reads": True}},
        h.save_results_task(["compliance_scan"])]
    play = h.write_play(tmp_path, name, tasks)
    before = emu.writes()
    run = h.run_playbook(tmp_path, play, h.inventory(emu, [0], app="pim-reader"), args=["--check"])
    assert run.rc == 0, run.failures()
    assert emu.writes() == before, "the scan wrote to the tenant"
    results = h.host_results(tmp_path, play, "tier0groups")
    # The report, and what the module read (compliance_return_reads) with the scan's request counts.
    scanned = results["compliance_scan"]
    return scanned["report"], dict(scanned["reads"]["directory"], graph_requests=scanned["graph_requests"]), reports


def baseline(emu, tmp_path, name, check=False):
    tasks = [{"name": "Baseline", "ansible.builtin.include_role": {"name": "entra.pim.baseline"}, "vars": {
        "baseline_pim_groups": True, "baseline_replace_permanent_active": True,
        "baseline_protected_principals": PROTECTED, "baseline_tier0_approvers": ["group:PIM-Approvers-Tier0"],
        "baseline_alert_mailbox": ["soc@{{ domain }}"], "baseline_activation_alert_mailbox": ["pim@{{ domain }}"]}},
        h.save_results_task(["baseline_group_settings", "baseline_group_standing", "baseline_group_settings_run",
                             "baseline_group_policies"])]
    play = h.write_play(tmp_path, name, tasks)
    before = emu.writes()
    run = h.run_playbook(tmp_path, play, h.inventory(emu, [0]), args=["--check"] if check else [])
    assert run.rc == 0, run.failures()
    return run, h.host_results(tmp_path, play, "tier0groups"), emu.writes() - before


def control(report, cid):
    return next(c for c in report["controls"] if c["id"] == cid)


def test_scan_fails_the_group_path_and_the_baseline_makes_it_eligible(emu, tmp_path, figures):
    # 1. The scan: MS.AAD.7.4 fails for Ian, through the group, and says so.
    report, raw, reports = scan(emu, tmp_path, "scan_before")
    c74 = control(report, "MS.AAD.7.4")
    failed = [f for f in c74["findings"] if f["status"] == "fail"]
    assert c74["status"] == "fail", c74
    assert [(f["principal"].split("@")[0], f["detail"]) for f in failed] == [("ian.ops", PATH_ACTIVE)]
    assert sorted(f["status"] for f in c74["findings"]) == ["exempt", "exempt", "fail", "pass"]  # group row: pass
    assert control(report, "MS.AAD.7.1")["status"] == "pass"  # breakglass1, breakglass2, ian: 3
    assert raw["role_groups"][0]["group"] == "PIM-Tier0" and raw["role_groups"][0]["pim_read"]
    tenant_id = emu.tenants[0]["id"]
    written = json.loads((reports / f"{tenant_id}.json").read_text())
    assert PATH_ACTIVE in [f.get("detail") for c in written[0]["controls"] for f in c["findings"]]
    assert PATH_ACTIVE in (reports / f"{tenant_id}.html").read_text()
    # Markdown escapes what could start syntax (parentheses, hyphens), so the words are there, escaped.
    assert "via group PIM" in (reports / f"{tenant_id}.md").read_text()
    figures("groups.scan_requests", raw["graph_requests"]["requests"])

    # 2. The baseline in check mode plans the replacement and writes nothing.
    _run, planned, writes = baseline(emu, tmp_path, "baseline_check", check=True)
    assert writes == 0
    assert [e["name"] for e in planned["baseline_group_settings"]] == ["tier0"]
    assert [p["principal"].split("@")[0] for p in planned["baseline_group_standing"]["permanent_assignments"]] == \
        ["ian.ops"]

    # ... then converts Ian's membership to eligible and hardens the group's member policy.
    _run, applied, writes = baseline(emu, tmp_path, "baseline_apply")
    assert writes > 0
    standing = applied["baseline_group_standing"]
    assert standing["changed"], standing
    settings = applied["baseline_group_settings_run"]
    assert settings and not settings.get("skipped") and not settings.get("failed"), applied

    # 3. The scan passes MS.AAD.7.4; Ian holds Global Administrator as an eligible member.
    report, raw, _reports = scan(emu, tmp_path, "scan_after")
    assert control(report, "MS.AAD.7.4")["status"] == "pass", control(report, "MS.AAD.7.4")
    ga = {f["principal"].split("@")[0]: f.get("detail") for f in control(report, "MS.AAD.7.1")["findings"]}
    assert ga["ian.ops"] == PATH_ELIGIBLE
    # The group still holds Global Administrator permanently; its row is shown, not failed.
    group_rows = [f for f in control(report, "MS.AAD.7.4")["findings"] if f["principal"] == "PIM-Tier0"]
    assert [f["status"] for f in group_rows] == ["pass"]
    # What the emulator holds, read back through Graph by the scan: Ian is eligible, no longer an active member.
    ian = [m for m in raw["role_groups"][0]["memberships"] if m["principal"].startswith("ian.ops@")
           and m["access"] == "member"]
    assert [(m["kind"], m["permanent"]) for m in ian] == [("eligible", False)], ian
    # ... and the group's member policy now asks for approval by the tier 0 approvers and MFA.
    policy = next(p for p in _group_policies(emu) if p.get("access", "member") == "member")
    assert policy["settings"]["activation"]["require_approval"] is True
    assert policy["settings"]["activation"]["require_mfa"] is True

    # 4. Idempotent: a second baseline run writes nothing for the groups.
    _run, again, writes = baseline(emu, tmp_path, "baseline_again")
    assert not again["baseline_group_standing"]["changed"]
    assert not again["baseline_group_settings_run"]["changed"]
    figures("groups.baseline_rerun_writes", writes)
    assert writes == 0


def _group_policies(emu):
    """The group's member and owner settings, read with pim_group_setting_info (the module under test's sibling)."""
    tmp = emu.workdir / "policies"
    tmp.mkdir(exist_ok=True)
    play = h.write_play(tmp, "policies", [
        {"name": "Read", "entra.pim.pim_group_setting_info": {"groups": ["PIM-Tier0"]}, "register": "p"},
        h.save_results_task(["p"])])
    run = h.run_playbook(tmp, play, h.inventory(emu, [0], app="pim-reader"), args=["--check"])
    assert run.rc == 0, run.failures()
    return h.host_results(tmp, play, "tier0groups")["p"]["policies"]
