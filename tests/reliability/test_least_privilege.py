"""Least privilege: docs/permissions.md against the emulator's permission enforcement, and TLS.

- the permissions table of docs/permissions.md is parsed; for every module an app holding exactly the
  permissions its row lists runs it (writes included): application permissions for the app-only modules,
  and for pim_role_activation (a user signed in interactively with MFA) a public client whose delegated
  permissions are exactly the row's;
- the read-only app (pim-reader) runs the info modules and check-mode runs of the write modules;
- a write with the read-only app fails with a message naming the missing permission, and writes nothing;
- TLS: a wrong or missing CA fails with a clear message; no option turns verification off.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import _harness as h

DOC = h.ROOT / "docs" / "permissions.md"
ROW = re.compile(r"^\| `(?:roles/)?(?P<name>[a-z_]+)` \| (?P<perms>[^|]+) \|", re.MULTILINE)
# Arguments that make each module read and write what its row covers.
RUNS = {
    "pim_role_setting_info": {},
    "pim_role_setting": {"roles": ["Reports Reader"], "activation": {"max_duration": "PT3H"}},
    "pim_eligible_assignment": {"principal": "niaj.sharepoint@{{ domain }}", "role": "Reports Reader",
                                "duration": "P10D", "justification": "least privilege"},
    "pim_active_assignment": {"principal": "olivia.teams@{{ domain }}", "role": "Reports Reader",
                              "duration": "P10D", "justification": "least privilege"},
    "pim_activation_info": {"audit_since": "P7D"},
    # Niaj is eligible for Exchange Administrator through PIM-Exchange-Admins in the default seed, MFA on.
    "pim_role_activation": {"role": "Exchange Administrator", "duration": "PT1H",
                            "justification": "least privilege"},
    # PIM for Groups (issue 12) on the default seed's PIM-managed group PIM-Exchange-Admins. Each runs once its
    # module exists (h.have_module): the rows are documented from Graph's pages before the modules land.
    "pim_group_setting_info": {"groups": ["PIM-Exchange-Admins"]},
    "pim_group_setting": {"groups": ["PIM-Exchange-Admins"], "activation": {"max_duration": "PT3H"}},
    "pim_group_eligible_assignment": {"principal": "peggy.billing@{{ domain }}", "group": "PIM-Exchange-Admins",
                                      "duration": "P10D", "justification": "least privilege"},
    "pim_group_active_assignment": {"principal": "judy.apps@{{ domain }}", "group": "PIM-Exchange-Admins",
                                    "duration": "P10D", "justification": "least privilege"},
    "pim_group_activation_info": {"groups": ["PIM-Exchange-Admins"]},
    # Olivia is an eligible member of PIM-Exchange-Admins in the default seed; the group's default policy asks
    # for a justification, not MFA.
    "pim_group_activation": {"group": "PIM-Exchange-Admins", "duration": "PT1H", "justification": "least privilege"},
    # Access reviews (issue 16): a new review of one role by a seed group (a write), and every review read back.
    "pim_access_review": {"name": "Least privilege review", "roles": ["Reports Reader"],
                          "reviewers": ["PIM-Approvers-Tier0"], "recurrence": "quarterly", "duration_days": 14},
    "pim_access_review_info": {},
    # The compliance scan's Graph part with every read it makes (groups and access reviews on by default).
    "pim_compliance_scan": {"azure": "false"},
}
WRITERS = ("pim_role_setting", "pim_eligible_assignment", "pim_active_assignment",
           "pim_group_setting", "pim_group_eligible_assignment", "pim_group_active_assignment", "pim_access_review")
# Modules that run as a signed-in user: their row lists delegated permissions ("delegated: `...`").
SIGNED_IN = {"pim_role_activation": "niaj.sharepoint", "pim_group_activation": "olivia.teams",
             # Heidi holds Global Reader, so as an approver she may read who asked for what.
             "pim_approval": "heidi.auditor"}
# Modules that need a scene before they can do their job (an approval needs another user's pending request under
# a policy that names the approver): left out of RUNS, each has its own test below with its documented row.
STAGED = ("pim_approval",)


def documented() -> dict[str, list[str]]:
    rows = {m["name"]: re.findall(r"`([A-Za-z]+\.[A-Za-z.]+)`", m["perms"]) for m in ROW.finditer(DOC.read_text())}
    return rows


def delegated_rows() -> set[str]:
    return {m["name"] for m in ROW.finditer(DOC.read_text()) if m["perms"].strip().startswith("delegated:")}


def test_the_table_says_which_rows_are_delegated():
    # The app the test builds follows the row's kind: a signed-in module documented as application
    # permissions (or the reverse) would be tested with the wrong kind of app.
    # Rows of modules not in the tree yet (documented ahead of them) are left out of both sides.
    assert {m for m in delegated_rows() if h.have_module(m)} == {m for m in SIGNED_IN if h.have_module(m)}


def test_every_module_and_role_is_documented():
    rows = documented()
    missing = [m for m in h.ALL_MODULES if h.have_module(m) and m not in rows]
    missing += [r for r in ("baseline", "compliance") if h.have_role(r) and r not in rows]
    assert not missing, f"docs/permissions.md has no row for {missing}"
    for name, perms in rows.items():
        assert perms, f"{name}: no permission listed"


@pytest.fixture(scope="module")
def perm_emu(tmp_path_factory):
    """An emulator whose tenants hold one app per module, with exactly the documented permissions."""
    wd = tmp_path_factory.mktemp("perm")
    seed = wd / "seed.json"
    subprocess.run([sys.executable, "-m", "pim_emulator", "default-seed", "--out", str(seed)], check=True)
    doc = json.loads(seed.read_text())
    rows, delegated = documented(), delegated_rows()
    for tenant in doc["tenants"]:
        tenant["apps"] += [{"name": f"perm-{m}", "public_client": True, "delegated_permissions": rows[m]}
                           if m in delegated else {"name": f"perm-{m}", "permissions": rows[m]}
                           for m in (*RUNS, *STAGED) if m in rows and h.have_module(m)]
    seed.write_text(json.dumps(doc))
    emu = h.Emu(wd / "emu", ["--seed", str(seed)])
    yield emu
    emu.stop()


def _signed_in(emu, app: str, user: str) -> dict:
    """access_token sign-in options of one seed user through a public client whose delegated permissions
    are exactly the row's. The user signs in interactively with MFA (the emulator's admin sign-in, standing
    in for ``az login`` or a browser): the password grant cannot carry MFA, and Entra refuses it for users
    who need MFA (AADSTS50076), as the emulator does."""
    tenant = emu.tenants[0]
    account = next(u for u in tenant["users"] if u["userPrincipalName"].startswith(user + "@"))
    client_id = emu.app(0, app)["client_id"]
    signed_in = emu.admin(f"tenants/{tenant['id']}/users/{account['userPrincipalName']}/signin",
                          {"client_id": client_id, "mfa": True})
    return {"auth_method": "access_token", "access_token": signed_in["access_token"], "tenant_id": tenant["id"],
            "client_id": client_id, "username": account["userPrincipalName"],
            "graph_url": emu.info["graph_url"], "authority_host": emu.info["authority_host"],
            "ca_bundle": emu.info["ca_bundle"]}


def _run(emu, tmp_path, name, tasks, app, check=False, auth=None):
    inv = h.inventory(emu, [0], app=app)
    if auth is not None:
        inv["all"]["hosts"]["contoso"]["pim_auth"] = auth
    tasks = [{**t, "ignore_errors": True} for t in tasks] + [h.save_results_task([t["register"] for t in tasks])]
    play = h.write_play(tmp_path, name, tasks)
    before = emu.stats()
    run = h.run_playbook(tmp_path, play, inv, args=["--check"] if check else [])
    after = emu.stats()
    return run, h.host_results(tmp_path, play, "contoso"), after["writes"] - before["writes"]


@pytest.mark.parametrize("module", [m for m in RUNS if h.have_module(m)])
def test_documented_permissions_are_enough(perm_emu, tmp_path, module):
    rows = documented()
    assert module in rows, f"docs/permissions.md has no row for {module}"
    auth = _signed_in(perm_emu, f"perm-{module}", SIGNED_IN[module]) if module in SIGNED_IN else None
    before = perm_emu.writes()
    run, results, _writes = _run(perm_emu, tmp_path, module, [
        {"name": module, f"entra.pim.{module}": RUNS[module], "register": "r"}], f"perm-{module}", auth=auth)
    result = results.get("r") or {}
    assert result and not result.get("failed"), f"{module} with exactly {rows[module]}: " \
        f"{result.get('msg') or run.failures()}"
    if module in WRITERS or module in SIGNED_IN:
        # The run did its job, not only "did not fail": the tenant took the write.
        assert result.get("changed") and perm_emu.writes() > before, f"{module} wrote nothing: {result}"


@pytest.mark.skipif(not h.have_module("pim_approval"), reason="pim_approval is not in the tree")
def test_pim_approval_with_its_documented_permissions(perm_emu, tmp_path):
    """Global Reader needs Heidi's approval (set with the admin app); Walter asks for it (signed in through the
    seed's public client); Heidi approves through a public client granted exactly pim_approval's delegated row.
    The tenant ends up holding Walter's activation."""
    tenant = perm_emu.tenants[0]
    domain = tenant["users"][0]["userPrincipalName"].split("@")[1]
    # Every task names its identity: the play's module_defaults (Heidi's token) must not leak into the others.
    admin = {**perm_emu.auth(0, "pim-admin"), "auth_method": "auto", "access_token": None, "username": None}
    walter = _signed_in(perm_emu, "pim-cli", "walter.pim")
    heidi = _signed_in(perm_emu, "perm-pim_approval", SIGNED_IN["pim_approval"])
    tasks = [
        {"name": "approval by heidi", "entra.pim.pim_role_setting": {
            **admin, "roles": ["Global Reader"],
            "activation": {"require_approval": True, "approvers": [f"heidi.auditor@{domain}"]}}, "register": "s"},
        {"name": "walter asks", "entra.pim.pim_role_activation": {
            **walter, "role": "Global Reader", "duration": "PT1H", "justification": "least privilege"},
         "register": "w"},
        {"name": "heidi approves", "entra.pim.pim_approval": {
            "role": ["Global Reader"], "decision": "approve", "justification": "least privilege"}, "register": "r"},
    ]
    run, results, _writes = _run(perm_emu, tmp_path, "pim_approval", tasks, "perm-pim_approval", auth=heidi)
    rows = documented()["pim_approval"]
    assert (results.get("w") or {}).get("status") == "PendingApproval", run.failures()
    result = results.get("r") or {}
    assert result and not result.get("failed"), \
        f"pim_approval with exactly {rows}: {result.get('msg') or run.failures()}"
    assert result["changed"] and [d["done"] for d in result["decisions"]] == [True]
    request = perm_emu.state(0)["roleAssignmentScheduleRequests"][results["w"]["request"]["id"]]
    assert request["status"] in ("Provisioned", "Granted")


def test_reader_app_reads_and_scans_but_cannot_write(emulator, tmp_path, figures):
    read_tasks = [{"name": m, f"entra.pim.{m}": RUNS[m], "register": f"r_{m}"} for m in RUNS
                  if h.have_module(m) and m not in SIGNED_IN]
    run, results, writes = _run(emulator, tmp_path, "reader_check", read_tasks, "pim-reader", check=True)
    assert writes == 0
    bad = {k: v.get("msg") for k, v in results.items() if v and v.get("failed")}
    assert not bad, f"the read-only app could not read or scan in check mode: {bad}"

    write_tasks = [{"name": m, f"entra.pim.{m}": RUNS[m], "register": f"w_{m}"} for m in WRITERS if h.have_module(m)]
    state_before = h.normalise(emulator.state(0))
    run, results, writes = _run(emulator, tmp_path, "reader_write", write_tasks, "pim-reader")
    figures("least_privilege.reader_writes_refused", len(results))
    # The emulator counts the refused attempt (403) as a write operation; what matters is the tenant.
    assert h.state_diff(state_before, h.normalise(emulator.state(0))) == [], "a read-only write changed the tenant"
    for name, result in results.items():
        assert result and result.get("failed"), f"{name} succeeded with the read-only app"
        msg = result.get("msg", "")
        assert re.search(r"[A-Za-z]+\.ReadWrite\.[A-Za-z]+", msg), f"{name}: no missing permission named: {msg}"
        assert "permissions.md" in msg or "grant" in msg.lower(), f"{name}: no hint: {msg}"


def test_app_without_permissions_is_told_what_to_grant(emulator, tmp_path):
    tasks = [{"name": m, f"entra.pim.{m}": RUNS[m], "register": f"n_{m}"}
             for m in ("pim_role_setting_info", "pim_activation_info") if h.have_module(m)]
    run, results, writes = _run(emulator, tmp_path, "no_perms", tasks, "ops-automation")
    for name, result in results.items():
        assert result.get("failed"), f"{name} succeeded without permissions"
        assert re.search(r"(RoleManagement|RoleManagementPolicy|RoleEligibilitySchedule|RoleAssignmentSchedule|"
                         r"Directory)\.Read", result.get("msg", "")), f"{name}: {result.get('msg')}"


# -- TLS --------------------------------------------------------------------------------------------
def test_wrong_or_missing_ca_fails_clearly(emulator, tmp_path, figures):
    wrong_ca = emulator.app(0, "pim-cert")["certificate_path"]  # a real PEM certificate, but not the CA
    base = emulator.auth(0)
    # ca_bundle is set to null, not left out: the play's module_defaults would fill it in with the
    # emulator's real CA, and the "system trust" case would quietly test nothing.
    variants = {"wrong_ca": {**base, "ca_bundle": wrong_ca}, "system_trust": {**base, "ca_bundle": None}}
    tasks = []
    for name, auth in variants.items():
        for module in ("pim_role_setting_info", "pim_role_setting"):
            args = {**RUNS[module], **auth}
            tasks.append({"name": f"{module} {name}", f"entra.pim.{module}": args, "register": f"t_{module}_{name}"})
    before = emulator.stats()
    run, results, writes = _run(emulator, tmp_path, "tls", tasks, "pim-admin")
    after = emulator.stats()
    figures("tls.refused", len(results))
    figures("tls.graph_requests_during_refusals", after["requests"] - before["requests"])
    assert writes == 0, "a write got through an untrusted TLS session"
    assert len(results) == len(tasks)
    for name, result in results.items():
        msg = result.get("msg", "")
        assert result.get("failed"), f"{name} succeeded without trusting the emulator's CA"
        assert re.search(r"TLS|certificate verify failed|CERTIFICATE_VERIFY_FAILED", msg), f"{name}: {msg}"
        assert "ca_bundle" in msg, f"{name}: the message does not say how to fix it: {msg}"
        assert "Traceback" not in msg


def test_no_option_turns_verification_off():
    forbidden = re.compile(r"^\s+(validate_certs|verify_ssl|verify|insecure|disable_tls|tls_verify|"
                           r"skip_tls_verify|ssl_verify)=dict", re.MULTILINE)
    sources = list((h.ROOT / "plugins").rglob("*.py"))
    hits = [str(p) for p in sources if forbidden.search(p.read_text())]
    assert hits == [], f"an option that could disable TLS verification: {hits}"
    code = "\n".join(p.read_text() for p in (h.ROOT / "plugins" / "module_utils").glob("*.py"))
    assert "verify=False" not in code and "CERT_NONE" not in code and "check_hostname = False" not in code
