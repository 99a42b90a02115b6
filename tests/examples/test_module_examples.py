"""Every module's EXAMPLES run as written against a fresh default-seed Graph PIM emulator (make examples).

A user copies an example and fills in the variables it names; this test does the same. For each module in
plugins/modules it reads the EXAMPLES block (without importing the module), writes it as the tasks of one
playbook, resets the emulator to its default seed and runs the playbook with ansible-playbook. The connection
comes from the emulator's ready file through module_defaults (as docs/emulator.md shows), and the variables
the examples name (tenant_id, client_id, ...) are set to what a user of the seeded tenant "contoso" would set.

Every task must succeed and none may be skipped (a loop over an empty list excepted); the modules whose
examples write must have written to the emulator. A task that cannot run as written here is run in check
mode (CHECK_MODE) or as another seed user (SIGN_IN), and each entry says why; no other change is made.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from pim_emulator.launch import auth_options, start

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from collection_link import COLLECTIONS, link_collection  # noqa: E402 - tests/ is not a package

MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("pim_*.py"))
# Who runs pim_role_activation's examples: Niaj (the "automation account") is eligible for Exchange
# Administrator through the group PIM-Exchange-Admins in the default seed and has MFA registered.
ACTIVATION_USER = "niaj.sharepoint"
# Activation modules and who runs their examples (anyone else: the admin app). Olivia is the default seed's
# eligible member of PIM-Exchange-Admins (PIM for Groups).
SIGNED_IN_MODULES = {"pim_role_activation": ACTIVATION_USER, "pim_group_activation": "olivia.teams",
                     # Victor is the seed's eligible Contributor on Production/rg-app (Azure resource roles).
                     "pim_azure_role_activation": "victor.ops",
                     # Heidi holds Global Reader, which an approver needs to see who asked for what.
                     "pim_approval": "heidi.auditor"}
# Tasks that need another signed-in user than ACTIVATION_USER, and why (given as the task's module_defaults).
SIGN_IN = {
    ("pim_role_activation", "Activate Global Administrator and wait for an approver"):
        ("alice.admin", "Global Administrator is for an eligible administrator; Alice is one in the seed"),
    ("pim_group_activation", "Activate ownership of a group and wait for an approver"):
        ("alice.admin", "Alice is the seed's eligible owner of PIM-Exchange-Admins"),
    ("pim_azure_role_activation", "Activate Owner on a subscription and wait for an approver"):
        ("bob.secops", "Bob is the seed's eligible Owner of the Production subscription"),
}
# Tasks run in check mode, and why. Everything else runs for real.
CHECK_MODE = {
    ("pim_role_activation", "Activate Global Administrator and wait for an approver"):
        "it waits up to 30 minutes for a person to approve; check mode plans the request without sending it",
    ("pim_role_activation", "Drop the role again"):
        "it follows the activation at once, and PIM refuses a deactivation in an activation's first 5 minutes "
        "(ActiveDurationTooShort); check mode plans the deactivation",
    ("pim_group_activation", "Activate ownership of a group and wait for an approver"):
        "it may wait up to 30 minutes for a person to approve; check mode plans the request without sending it",
    ("pim_group_activation", "Leave the group again"):
        "it follows the activation at once, and PIM refuses a deactivation in an activation's first 5 minutes "
        "(ActiveDurationTooShort); check mode plans the deactivation",
    ("pim_azure_role_activation", "Activate Owner on a subscription and wait for an approver"):
        "it may wait up to 30 minutes for a person to approve; check mode plans the request without sending it",
    ("pim_azure_role_activation", "Drop the role again"):
        "it follows the activation at once, and PIM refuses a deactivation in an activation's first 5 minutes "
        "(ActiveDurationTooShort); check mode plans the deactivation",
}
# Modules on Azure Resource Manager whose signed-in user needs a token for it rather than for Graph.
ARM_SIGNED_IN = {"pim_azure_role_activation"}
# Modules whose examples change the tenant: the emulator must have taken writes from their playbook.
WRITERS = {"pim_role_setting", "pim_eligible_assignment", "pim_active_assignment",
           "pim_role_activation", "pim_group_setting", "pim_group_activation", "pim_access_review"}
WRITERS |= {"pim_azure_role_setting"}
WRITERS |= {"pim_azure_role_activation"}
WRITERS |= {"pim_azure_eligible_assignment", "pim_azure_active_assignment"}
RECAP = re.compile(r"^\S+\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
                   r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+"
                   r"ignored=(?P<ignored>\d+)", re.MULTILINE)


def examples(module: str) -> list[dict]:
    """The EXAMPLES tasks of a module, read from its source without importing it."""
    tree = ast.parse((ROOT / "plugins" / "modules" / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            tasks = yaml.safe_load(node.value.value)
            assert isinstance(tasks, list) and tasks, f"{module}: EXAMPLES is not a list of tasks"
            return tasks
    raise AssertionError(f"{module} has no EXAMPLES")


@pytest.fixture(scope="module")
def emulator():
    link_collection()
    with start(Path(tempfile.mkdtemp(prefix="pim-examples-"))) as emu:
        yield emu


def user_sign_in(emulator, user: str, arm: bool = False) -> dict:
    """Connection options of a seed user after an interactive sign-in with MFA (the emulator's admin API
    stands in for the browser and the second factor): Entra refuses the password grant to users who need
    MFA, and the activation examples are for roles that require it."""
    info = emulator.info
    tenant = info["tenants"][0]
    account = next(u for u in tenant["users"] if u["userPrincipalName"].startswith(user + "@"))
    public = next(a for a in tenant["apps"] if a["name"] == "pim-cli")
    signed_in = emulator.admin(f"tenants/{tenant['id']}/users/{account['userPrincipalName']}/signin",
                               {"client_id": public["client_id"], "mfa": True,
                                **({"resource": info["arm_audience"]} if arm else {})})
    return {"auth_method": "access_token", "access_token": signed_in["access_token"], "tenant_id": tenant["id"],
            "client_id": public["client_id"], "username": account["userPrincipalName"],
            "graph_url": info["graph_url"], "authority_host": info["authority_host"], "ca_bundle": info["ca_bundle"]}


def azure_cli(bin_dir: Path, token: str, arm_token: str | None = None) -> None:
    """A stand-in for the Azure CLI after ``az login`` with MFA, for the example that uses
    ``auth_method: azure_cli``: it answers ``az account get-access-token`` as the real CLI does (the JSON
    azure-identity's AzureCliCredential parses) with the signed-in user's token. Only this test's PATH
    sees it; the module runs azure-identity's real credential against it."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    answer = json.dumps({"accessToken": token, "expires_on": int(time.time()) + 3000, "tokenType": "Bearer"})
    # Asked for Azure Resource Manager (--scope https://management.azure.com/.default), it answers the user's ARM
    # token, as `az account get-access-token` does for another resource after the same sign-in.
    arm = json.dumps({"accessToken": arm_token or token, "expires_on": int(time.time()) + 3000, "tokenType": "Bearer"})
    script = bin_dir / "az"
    script.write_text("#!/bin/sh\ncase \"$*\" in *management*)\ncat <<'EOF'\n" + arm + "\nEOF\n;;\n*)\n"
                      f"cat <<'EOF'\n{answer}\nEOF\n;;\nesac\n")
    script.chmod(0o755)


def play_for(module: str, emulator) -> dict:
    info = emulator.info
    tenant = info["tenants"][0]
    # Every module accepts arm_url (the Azure resource modules use it), as one module_defaults for the group.
    admin = dict(auth_options(info, 0, "pim-admin"), arm_url=info["arm_url"])
    user = user_sign_in(emulator, SIGNED_IN_MODULES.get(module, ACTIVATION_USER), arm=module in ARM_SIGNED_IN)
    user_arm = user_sign_in(emulator, SIGNED_IN_MODULES.get(module, ACTIVATION_USER), arm=True)
    tasks = examples(module)
    names = {t.get("name") for t in tasks}
    for (mod, name) in [*CHECK_MODE, *SIGN_IN]:
        if mod == module:
            assert name in names, f"{module}: CHECK_MODE/SIGN_IN name a task its EXAMPLES no longer have: {name}"
    for i, task in enumerate(tasks):
        key = (module, task.get("name"))
        if key in CHECK_MODE:
            tasks[i] = task = {**task, "check_mode": True}
        if key in SIGN_IN:
            tasks[i] = {**task, "module_defaults": {
                "entra.pim." + module: dict(user_sign_in(emulator, SIGN_IN[key][0], arm=module in ARM_SIGNED_IN),
                                            arm_url=info["arm_url"])}}
    return {
        "name": f"EXAMPLES of {module}",
        "hosts": "localhost",
        "gather_facts": False,
        # The connection, as a playbook against the emulator sets it: the admin app for app-only modules,
        # a signed-in seed user for the activation modules (they refuse app-only tokens).
        "module_defaults": {"group/entra.pim.all": admin,
                            **{"entra.pim." + m: dict(user, arm_url=info["arm_url"])
                               for m in SIGNED_IN_MODULES if m == module}},
        # What a user of the seeded tenant fills in for the variables the examples name. One tenant here,
        # so "another tenant" is the same one: copying a tenant's settings onto itself changes nothing.
        "vars": {
            "tenant_id": tenant["id"], "client_id": admin["client_id"], "client_secret": admin["client_secret"],
            "source_tenant_id": tenant["id"], "target_tenant_id": tenant["id"], "entra_tenant_id": tenant["id"],
            "public_client_id": user["client_id"], "automation_user": user["username"],
            "user_graph_token": user["access_token"], "user_arm_token": user_arm["access_token"],
            # The Azure CLI's `az account show --query id` after `az login`: the seed's Production subscription.
            "subscription_id": next(s["id"] for s in tenant["azure"]["subscriptions"] if s["displayName"] ==
                                    "Production"),
        },
        "tasks": tasks,
    }


@pytest.mark.parametrize("module", MODULES)
def test_examples_run_against_the_default_seed(emulator, module, tmp_path):
    emulator.admin("reset", {})
    play = tmp_path / f"{module}-examples.yml"
    play_doc = play_for(module, emulator)
    play.write_text(json.dumps([play_doc], indent=1))  # JSON is YAML
    azure_cli(tmp_path / "bin", play_doc["vars"]["user_graph_token"], play_doc["vars"]["user_arm_token"])
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ENTRA_PIM_"))},
           "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_LOCALHOST_WARNING": "0",
           "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0", "ANSIBLE_RETRY_FILES_ENABLED": "0"}
    before = emulator.admin("stats")["writes"]
    run = subprocess.run(  # noqa: S603 - our venv's ansible-playbook on a play this test wrote
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", f"ansible_python_interpreter={sys.executable}", str(play)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    writes = emulator.admin("stats")["writes"] - before
    output = f"{run.stdout[-12000:]}\n{run.stderr[-3000:]}"
    recap = RECAP.search(run.stdout)
    assert run.returncode == 0 and recap, f"{module}: an example failed\n{output}"
    tasks = examples(module)
    assert int(recap["failed"]) == int(recap["unreachable"]) == int(recap["ignored"]) == 0, output
    # A loop over an empty list reports "skipping" (nobody is activated in the seed, for one): that is the
    # example working. Any other skip would be an example that did not run.
    loops = sum(1 for t in tasks if "loop" in t)
    assert int(recap["skipped"]) <= loops, f"{module}: an example was skipped\n{output}"
    assert int(recap["ok"]) + int(recap["skipped"]) == len(tasks), \
        f"{module}: {recap['ok']} of {len(tasks)} examples ran\n{output}"
    if module in WRITERS:
        assert writes > 0, f"{module}: the examples wrote nothing to the tenant\n{output}"
