"""Check-mode purity: every module and both roles, run in check mode with inputs that *would* change the
tenant, make zero writes (the emulator's counter), from several starting states, and still predict changes.
"""

from __future__ import annotations

import pytest

import _harness as h

STARTS = ("seed", "A", "B", "faults") if h.LONG else ("A",)
BREAKGLASS = ["breakglass1@{{ domain }}", "breakglass2@{{ domain }}"]


def _user_auth(emu, index: int, upn_prefix: str) -> dict:
    """A delegated sign-in with MFA for self-activation: an interactive sign-in (the emulator's admin API
    stands in for the browser, as ``az login``), since Entra refuses the password grant to MFA users."""
    tenant = emu.tenants[index]
    user = next(u for u in tenant["users"] if u["userPrincipalName"].startswith(upn_prefix))
    cli = emu.app(index, "pim-cli")
    base = emu.auth(index)
    token = emu.admin(f"tenants/{tenant['id']}/users/{user['id']}/signin", {"client_id": cli["client_id"], "mfa": True})
    return {"auth_method": "access_token", "access_token": token["access_token"], "tenant_id": tenant["id"],
            "graph_url": base["graph_url"], "authority_host": base["authority_host"], "ca_bundle": base["ca_bundle"]}


def check_tasks(report_dir: str) -> list[tuple[str, dict]]:
    """(register name, task) pairs; the play runs with --check."""
    out = []
    for variant in "AB":
        for task in h.scenario_tasks(variant):
            out.append((f"{task['register']}_{variant}", {**task, "register": f"{task['register']}_{variant}"}))
    out.append(("all_roles", {"entra.pim.pim_role_setting": {
        "roles": ["all"], "activation": {"max_duration": "PT1H", "require_ticket": True}}}))
    out.append(("setting_info", {"entra.pim.pim_role_setting_info": {}}))
    if h.have_module("pim_eligible_assignment"):
        out.append(("eligible_exclusive", {"entra.pim.pim_eligible_assignment": {
            "assignments": [{"principal": "alice.admin@{{ domain }}", "role": "Global Administrator",
                             "duration": "P30D"}],
            "exclusive": True, "exclusive_roles": ["Global Administrator", "Security Administrator"],
            "protected_principals": BREAKGLASS, "justification": "check mode purity"}}))
    if h.have_module("pim_active_assignment"):
        out.append(("active_replace", {"entra.pim.pim_active_assignment": {
            "assignments": [], "exclusive": True, "exclusive_roles": ["Global Administrator", "Exchange Administrator"],
            "replace_permanent_with_eligible": True, "protected_principals": BREAKGLASS,
            "justification": "check mode purity"}}))
    if h.have_module("pim_activation_info"):
        out.append(("activation_info", {"entra.pim.pim_activation_info": {}}))
    if h.have_module("pim_role_activation"):
        for state in ("active", "inactive"):
            out.append((f"self_{state}", {"entra.pim.pim_role_activation": {
                "role": "User Administrator", "state": state, "duration": "PT1H", "justification": "check mode",
                "ticket_number": "CHG1", "ticket_system": "ServiceNow"},
                "module_defaults": {"group/entra.pim.all": "{{ walter_auth }}"}}))
    if h.have_role("baseline"):
        out.append(("baseline", {"ansible.builtin.include_role": {"name": "entra.pim.baseline"}, "vars": {
            "baseline_replace_permanent_active": True, "baseline_protected_principals": BREAKGLASS,
            "baseline_alert_mailbox": ["sec@{{ domain }}"], "baseline_activation_alert_mailbox": ["sec@{{ domain }}"],
            "baseline_tier0_approvers": ["grace.approver@{{ domain }}"]}}))
    if h.have_role("compliance"):
        out.append(("compliance", {"ansible.builtin.include_role": {"name": "entra.pim.compliance"}, "vars": {
            "compliance_report_dir": report_dir, "compliance_set_stats": False,
            "compliance_excluded_principals": BREAKGLASS}}))
    return out


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    wd = tmp_path_factory.mktemp("check-emu")
    emu = h.Emu(wd / "emu")
    yield emu
    emu.stop()


@pytest.mark.parametrize("start", STARTS)
def test_check_mode_writes_nothing(emu, tmp_path, start, figures):
    emu.reset()
    inv = h.inventory(emu, [0, 1])
    for host in inv["all"]["hosts"].values():
        host["walter_auth"] = _user_auth(emu, host["tenant_index"], "walter.pim")
    if start in ("A", "B"):
        play = h.write_play(tmp_path, f"converge{start}", h.scenario_tasks(start))
        run = h.run_playbook(tmp_path, play, inv, args=["--forks", "2"])
        assert run.rc == 0, run.tail()
    if start == "faults":
        emu.faults(fault_429=0.1, fault_503=0.05, retry_after=0.3, seed=5)
    pairs = check_tasks(str(tmp_path / "reports"))
    tasks = []
    for name, task in pairs:
        task = {"name": name, **task}
        if "ansible.builtin.include_role" not in task:
            task.update({"ignore_errors": True, "register": name})
        tasks.append(task)
    tasks.append(h.save_results_task([pair[0] for pair in pairs]))
    play = h.write_play(tmp_path, "check", tasks)
    before = emu.stats()
    # --check, as a user runs a scan: every task of the play and of the roles runs in check mode.
    run = h.run_playbook(tmp_path, play, inv, args=["--forks", "2", "--check", "--diff"])
    after = emu.stats()
    emu.faults(clear=True)
    writes = after["writes"] - before["writes"]
    figures(f"check_mode.{start}", {"tasks": len(pairs) * 2, "writes": writes,
                                    "faults": after.get("faults_injected", {})})
    assert writes == 0 and after["write_requests"] == before["write_requests"], \
        f"check mode wrote: {after['by_route']}\n{run.tail()}"
    assert run.rc == 0 and all(r["failed"] == 0 for r in run.recap.values()), run.failures()
    predicted = 0
    for host in inv["all"]["hosts"]:
        results = h.host_results(tmp_path, play, host)
        for name, result in results.items():
            if not isinstance(result, dict):
                continue
            assert not result.get("failed"), f"{host} {name}: {result.get('msg')}"
            assert (result.get("graph_requests") or {}).get("writes", 0) == 0, f"{host} {name}: {result}"
            predicted += int(bool(result.get("changed")))
    assert predicted > 0, "check mode predicted no change at all: the inputs do not exercise the write paths"
