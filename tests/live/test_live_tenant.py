"""Prove the emulator against your own tenant (``make live-check``; docs/emulator.md, "Proving the emulator
against your tenant"). Opt-in: every test here is skipped unless ENTRA_PIM_LIVE_TENANT_ID,
ENTRA_PIM_LIVE_CLIENT_ID and ENTRA_PIM_LIVE_CLIENT_SECRET are set; ``make test`` and CI never run it.

1. Read-only, always: every info module (pim_role_setting_info, pim_activation_info) and the compliance role
   run in check mode against the tenant through ansible-playbook, as a user runs them.
2. Then the Graph calls those modules make are sent to the tenant and to a fresh default-seed emulator
   started here, and the shape of each answer (property names at each level) is compared: a property one
   side sends and the other does not is a drift of the emulator from Graph.
3. Writes, only when you name what may be touched: ENTRA_PIM_LIVE_ROLE (a role's display name) has one of its
   settings changed and restored, by pim_role_setting and by the raw PATCH; with ENTRA_PIM_LIVE_TEST_USER (a
   UPN) as well, that user is made eligible for the role for a day and removed again, by
   pim_eligible_assignment and by the raw schedule requests. The emulator replays the same calls on the same
   built-in role (by display name) for a seed user, and the shapes are compared.

The report (status and key sets per call, never a value) is written to tests/live/output/shape-report.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from live_graph import Session, Target, compare, read_only, reversible_eligibility, reversible_setting, write_report

from pim_emulator.launch import start

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from collection_link import link_collection  # noqa: E402 - tests/ is not a package

OUTPUT = Path(__file__).resolve().parent / "output"
EMULATOR_TEST_USER = "niaj.sharepoint"  # the seed user the emulator run makes eligible and removes again
TARGET = Target.from_env()
ROLE = os.environ.get("ENTRA_PIM_LIVE_ROLE") or None
TEST_USER = os.environ.get("ENTRA_PIM_LIVE_TEST_USER") or None

pytestmark = pytest.mark.skipif(
    TARGET is None, reason="live check: set ENTRA_PIM_LIVE_TENANT_ID, ENTRA_PIM_LIVE_CLIENT_ID and "
                           "ENTRA_PIM_LIVE_CLIENT_SECRET to run it against your tenant (docs/emulator.md)")


@pytest.fixture(scope="module")
def emulator():
    with start(Path(tempfile.mkdtemp(prefix="pim-live-"))) as emu:
        yield emu


def emulator_target(emu) -> Target:
    info = emu.info
    tenant = info["tenants"][0]
    app = next(a for a in tenant["apps"] if a["name"] == "pim-admin")
    return Target("emulator", tenant["id"], app["client_id"], app["client_secret"], info["graph_url"],
                  info["authority_host"], info["ca_bundle"])


def playbook(tmp_path: Path, name: str, tasks: list[dict], check: bool) -> subprocess.CompletedProcess:
    """Run ``tasks`` against the tenant with the collection, as a user's playbook would."""
    link_collection()
    play = tmp_path / f"{name}.yml"
    play.write_text(json.dumps([{"name": name, "hosts": "localhost", "gather_facts": False,
                                 "module_defaults": {"group/entra.pim.all": TARGET.auth_options()},
                                 "tasks": tasks}]))  # JSON is YAML
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ENTRA_PIM_"))},
           "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
           "ANSIBLE_RETRY_FILES_ENABLED": "0"}
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
            "-e", f"ansible_python_interpreter={sys.executable}", str(play)]
    run = subprocess.run([*argv, "--check"] if check else argv,  # noqa: S603 - our venv's ansible-playbook
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, f"{name} failed against {TARGET.graph_url}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    return run


def test_read_only_modules_and_the_compliance_scan_run_against_the_tenant(tmp_path):
    reports = tmp_path / "reports"
    tasks = [
        {"name": "Every role's settings", "entra.pim.pim_role_setting_info": {}, "register": "settings"},
        {"name": "Every assignment, pending request, setting and a week of audit",
         "entra.pim.pim_activation_info": {"role_settings": True, "pending_requests": True, "audit_since": "P7D"},
         "register": "state"},
        {"name": "The answers have the shape the modules document",
         "ansible.builtin.assert": {"that": ["settings.roles | length > 0", "state.eligible is defined",
                                             "state.active is defined", "settings is not changed",
                                             "state is not changed"]}},
        {"name": "The compliance scan, read-only", "vars": {"entra_tenant_id": TARGET.tenant_id,
                                                            "compliance_report_dir": str(reports)},
         "ansible.builtin.include_role": {"name": "entra.pim.compliance"}},
    ]
    # The compliance role reports "changed" for its report files on the controller, never for the tenant.
    playbook(tmp_path, "live read-only", tasks, check=True)
    assert (reports / f"{TARGET.tenant_id}.json").exists(), "the compliance scan wrote no report"


def test_the_emulator_answers_in_the_shape_the_tenant_does(emulator):
    tenant, emu = Session(TARGET), Session(emulator_target(emulator))
    try:
        found = read_only(tenant, ROLE)
        emu_found = read_only(emu, ROLE)
        if ROLE:
            assert found["policy"] and emu_found["policy"], f"no PIM policy for {ROLE!r}"
            reversible_setting(tenant, found["policy"])
            reversible_setting(emu, emu_found["policy"])
            if TEST_USER:
                reversible_eligibility(tenant, found["role"]["id"], TEST_USER)
                seed_user = next(u for u in emulator.info["tenants"][0]["users"]
                                 if u["userPrincipalName"].startswith(EMULATOR_TEST_USER + "@"))
                reversible_eligibility(emu, emu_found["role"]["id"], seed_user["userPrincipalName"])
    finally:
        tenant.close()
        emu.close()
    differences = compare(tenant.steps, emu.steps)
    write_report(OUTPUT / "shape-report.json", tenant, emu, differences)
    failed = [s for s in tenant.steps if s.error]
    assert not failed, "the tenant refused calls the collection makes: " + "; ".join(
        f"{s.name} -> {s.status} {s.error}" for s in failed)
    assert not differences, (f"{len(differences)} difference(s) in shape between the tenant and the emulator "
                             f"(details in {OUTPUT / 'shape-report.json'}; please report them):\n"
                             + "\n".join(json.dumps(d) for d in differences[:40]))


@pytest.mark.skipif(not ROLE, reason="writes: set ENTRA_PIM_LIVE_ROLE (and ENTRA_PIM_LIVE_TEST_USER) to allow them")
def test_reversible_writes_through_the_modules(tmp_path):
    role = json.dumps(ROLE)[1:-1]
    tasks = [
        {"name": "Read the role's settings", "entra.pim.pim_role_setting_info": {"roles": [ROLE]},
         "register": "before"},
        {"name": "Set its activation maximum to another value", "entra.pim.pim_role_setting": {
            "roles": [ROLE], "activation": {"max_duration": "{{ '3h' if before.roles[0].settings.activation"
                                                            ".max_duration in ['PT2H', '2h'] else '2h' }}"}},
         "register": "changed"},
        {"name": "Put it back", "entra.pim.pim_role_setting": {
            "roles": [ROLE], "activation": {"max_duration": "{{ before.roles[0].settings.activation.max_duration }}"}},
         "register": "restored"},
        {"name": "Read it again", "entra.pim.pim_role_setting_info": {"roles": [ROLE]}, "register": "after"},
        {"name": f"{role}: changed, restored, and as it was",
         "ansible.builtin.assert": {"that": ["changed is changed", "restored is changed",
                                             "after.roles[0].settings == before.roles[0].settings"]}},
    ]
    if TEST_USER:
        tasks += [
            {"name": "Make the test user eligible for a day", "entra.pim.pim_eligible_assignment": {
                "principal": TEST_USER, "role": ROLE, "duration": "P1D", "justification": "entra.pim live check"},
             "register": "added"},
            {"name": "Remove it again", "entra.pim.pim_eligible_assignment": {
                "principal": TEST_USER, "role": ROLE, "state": "absent", "justification": "entra.pim live check"},
             "register": "removed"},
            {"name": "Added and removed",
             "ansible.builtin.assert": {"that": ["added is changed", "removed is changed"]}},
        ]
    playbook(tmp_path, "live reversible writes", tasks, check=False)
