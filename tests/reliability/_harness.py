"""Shared plumbing of the reliability suite: emulators, playbooks, state dumps.

Everything goes through public contracts only: the emulator's CLI and ready file
(``pim_emulator.launch``), its admin API, and ``ansible-playbook`` / ``ansible-runner`` as
subprocesses, exactly as a user or AWX would run the collection.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pim_emulator.launch import auth_options, start, tenant_hosts

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
# tests/ is not a package; conftest links
from collection_link import COLLECTIONS, link_collection  # noqa: E402,F401 # pylint: disable=unused-import

BIN = Path(sys.executable).parent
MODULES_DIR = ROOT / "plugins" / "modules"
ROLES_DIR = ROOT / "roles"

# LONG mode (RELIABILITY_LONG=1, which CI runs): more interruptions, more seeds, more starting states.
LONG = os.environ.get("RELIABILITY_LONG", "") not in ("", "0", "false", "no")

ALL_MODULES = ("pim_role_setting", "pim_role_setting_info", "pim_eligible_assignment", "pim_active_assignment",
               "pim_activation_info", "pim_role_activation",
               # PIM for Groups (issue 12)
               "pim_group_setting", "pim_group_setting_info", "pim_group_eligible_assignment",
               "pim_group_active_assignment", "pim_group_activation_info", "pim_group_activation",
               # approval decisions (issue 16)
               "pim_approval",
               # Access reviews (issue 16)
               "pim_access_review", "pim_access_review_info",
               # One tenant's compliance scan in one module process (issue 15)
               "pim_compliance_scan")


def have_module(name: str) -> bool:
    return (MODULES_DIR / f"{name}.py").is_file()


def have_role(name: str) -> bool:
    return (ROLES_DIR / name / "tasks" / "main.yml").is_file()


def ansible_env(extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_ROLES_PATH": str(ROLES_DIR),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # Nothing from the caller's environment may supply credentials or trust behind the test's back.
    for key in list(env):
        if key.startswith(("AZURE_", "ENTRA_PIM_")) or key in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):
            env.pop(key)
    env.update(extra or {})
    return env


class Emu:
    """A running emulator plus the helpers the tests use on it."""

    def __init__(self, workdir: Path, args: list[str] | None = None):
        self.workdir = Path(workdir)
        self.proc = start(self.workdir, args or [])
        self.info = self.proc.info

    def stop(self) -> None:
        self.proc.stop()

    def admin(self, path: str, body: dict | None = None) -> dict:
        return self.proc.admin(path, body)

    @property
    def tenants(self) -> list[dict]:
        return self.info["tenants"]

    def auth(self, index: int = 0, app: str = "pim-admin") -> dict:
        return auth_options(self.info, index, app)

    def app(self, index: int, name: str) -> dict:
        return next(a for a in self.tenants[index]["apps"] if a["name"] == name)

    def stats(self, tenant_index: int | None = None) -> dict:
        if tenant_index is None:
            return self.admin("stats")
        return self.admin(f"stats?tenant={self.tenants[tenant_index]['id']}")

    def writes(self) -> int:
        return int(self.stats()["writes"])

    def state(self, index: int) -> dict:
        return self.admin(f"tenants/{self.tenants[index]['id']}/state")["data"]

    def reset(self) -> None:
        self.admin("reset", {})

    def faults(self, **doc) -> dict:
        return self.admin("faults", doc)


# -- state comparison ---------------------------------------------------------------------------
# Directory roles' and PIM for Groups' schedules (the emulator stores groups' apart); compared without their ids,
# which the seed draws at random in each emulator (a group schedule's id ends in a new request id).
SCHEDULES = ("roleEligibilitySchedules", "roleAssignmentSchedules", "groupEligibilitySchedules",
             "groupAssignmentSchedules")
# Identity of a schedule as PIM sees it: the same principal, role (or group access) and scope can hold one of
# each kind; the fields of the other surface are simply absent (None).
SCHEDULE_KEY = ("principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "accessId", "groupId",
                "memberType")
VOLATILE = re.compile(r"(DateTime|^_start$|^_end$|^_created|^createdUsing$|^id$|^_ordinal$|^_request|"
                      r"^targetScheduleId$|^modifiedDateTime$|"
                      # generated at every emulator start: secrets, passwords, keys, certificates
                      r"secret|password|Credentials$|^_cert|^_key|certificate)", re.IGNORECASE)


def _day(value):
    """Datetimes compared to the day: a rerun minutes later computes the same dates."""
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        return value[:10]
    return value


def _strip(obj):
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in sorted(obj.items()) if not VOLATILE.search(k)}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _schedule_view(item: dict) -> dict:
    exp = (item.get("scheduleInfo") or {}).get("expiration") or {}
    return {**{k: item.get(k) for k in SCHEDULE_KEY}, "status": item.get("status"),
            "expiration": exp.get("type"), "end": _day(exp.get("endDateTime")), "duration": exp.get("duration")}


def normalise(data: dict) -> dict:
    """A tenant's state without ids, timestamps and history (requests, audit, instances derived from schedules).

    What remains is what PIM *is*: every schedule (as principal/role/scope/kind/expiry), every classic role
    assignment, every policy's rules, and the directory objects. Two runs that reach the same PIM state
    compare equal whatever their request history was.
    """
    out = {}
    for key, coll in sorted(data.items()):
        if not isinstance(coll, dict):
            continue  # counters, clocks, audit lists: history, not state
        if "Request" in key or "Instance" in key or "audit" in key.lower() or "approval" in key.lower():
            continue
        if key in SCHEDULES:
            out[key] = sorted((_schedule_view(v) for v in coll.values()), key=lambda s: json.dumps(s, sort_keys=True))
        elif key == "roleAssignments":
            keys = ("principalId", "roleDefinitionId", "directoryScopeId")
            out[key] = sorted(json.dumps({k: v.get(k) for k in keys}, sort_keys=True) for v in coll.values())
        elif key == "roleManagementPolicies":
            out[key] = {v.get("_roleDefinitionId") or pid: sorted((_strip(r) for r in v.get("_rules", [])),
                                                                  key=lambda r: r.get("id", ""))
                        for pid, v in coll.items()}
        else:
            out[key] = {k: _strip(v) for k, v in coll.items()}
    return out


def duplicate_schedules(data: dict) -> list[str]:
    """Schedules that exist twice for the same principal/role/scope/kind: must never happen."""
    dups = []
    for key in SCHEDULES:
        seen: dict[tuple, int] = {}
        for item in (data.get(key) or {}).values():
            if item.get("status") not in (None, "Provisioned", "Granted", "Scheduled", "PendingProvisioning"):
                continue
            k = tuple(item.get(f) for f in SCHEDULE_KEY)
            seen[k] = seen.get(k, 0) + 1
        dups += [f"{key} {k} x{n}" for k, n in seen.items() if n > 1]
    return dups


def state_diff(a: dict, b: dict, limit: int = 20) -> list[str]:
    """Human-readable differences between two normalised states (for assertion messages)."""
    out: list[str] = []

    def walk(x, y, path):
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y), key=str):
                if k not in x or k not in y:
                    out.append(f"{path}/{k}: only in {'second' if k not in x else 'first'}")
                else:
                    walk(x[k], y[k], f"{path}/{k}")
        elif isinstance(x, list) and isinstance(y, list) and x != y:
            xs = {json.dumps(i, sort_keys=True) for i in x}
            ys = {json.dumps(i, sort_keys=True) for i in y}
            for i in sorted(xs - ys)[:5]:
                out.append(f"{path}: only in first: {i[:300]}")
            for i in sorted(ys - xs)[:5]:
                out.append(f"{path}: only in second: {i[:300]}")
            if xs == ys:
                out.append(f"{path}: same items, different counts/order")
        elif x != y:
            out.append(f"{path}: {str(x)[:200]} != {str(y)[:200]}")

    walk(a, b, "")
    return out


# -- playbooks ----------------------------------------------------------------------------------
RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
                   r"\s+failed=(?P<failed>\d+)", re.MULTILINE)


class PlaybookResult:
    def __init__(self, rc: int, stdout: str, stderr: str, seconds: float, results_file: Path | None):
        self.rc, self.stdout, self.stderr, self.seconds = rc, stdout, stderr, seconds
        self.recap = {m["host"]: {k: int(m[k]) for k in ("ok", "changed", "unreachable", "failed")}
                      for m in RECAP.finditer(stdout)}
        self.results = {}
        if results_file is not None and results_file.exists():
            self.results = json.loads(results_file.read_text() or "{}")

    @property
    def changed(self) -> int:
        return sum(h["changed"] for h in self.recap.values())

    def failures(self) -> str:
        """The lines that say what failed (fatal/failed results and errors), for assertion messages."""
        lines = [ln[:1500] for ln in self.stdout.splitlines() + self.stderr.splitlines()
                 if ln.startswith(("fatal:", "failed:", "[ERROR]", "ERROR!")) or "FAILED!" in ln]
        return "\n".join(lines[:40]) or self.tail()

    def tail(self, n: int = 6000) -> str:
        return f"rc={self.rc}\n--- stdout\n{self.stdout[-n:]}\n--- stderr\n{self.stderr[-2000:]}"


def inventory(emu: Emu, tenant_indexes, app: str = "pim-admin") -> dict:
    """One inventory host per tenant (the MSP pattern): each carries its own connection options.

    The hosts come from the emulator's one builder (``launch.tenant_hosts``); the suite's plays read them
    as ``pim_auth``, ``tenant_index`` and ``domain``. ``app`` may be a public client (no secret): tests
    that sign a user in put their own ``pim_auth`` on the host.
    """
    indexes = list(tenant_indexes)
    built = tenant_hosts(emu.info, None, indexes)
    hosts = {}
    for i in indexes:
        name = emu.tenants[i]["name"]
        hosts[name] = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                       "pim_auth": emu.auth(i, app), "tenant_index": i, "domain": built[name]["entra_tenant_domain"]}
    return {"all": {"hosts": hosts}}


def write_play(workdir: Path, name: str, tasks: list[dict], *, hosts: str = "all", strategy: str | None = None,
               defaults_var: str = "pim_auth", extra_plays: list[dict] | None = None) -> Path:
    play = {"name": name, "hosts": hosts, "gather_facts": False,
            "module_defaults": {"group/entra.pim.all": f"{{{{ {defaults_var} }}}}"}, "tasks": tasks}
    if strategy:
        play["strategy"] = strategy
    path = Path(workdir) / f"{name}.yml"
    # JSON is YAML; it also spares us quoting every OData-looking string of the bad-input table.
    path.write_text(json.dumps([play, *(extra_plays or [])], indent=1))
    return path


# A guard against a hung ansible-playbook, not a speed check: far above any run on a loaded machine.
PLAYBOOK_TIMEOUT = 900


def run_playbook(workdir: Path, play: Path, inv: dict, *, args: list[str] | None = None, extra_vars: dict | None =
                 None, env: dict | None = None, timeout: float = PLAYBOOK_TIMEOUT,
                 results: bool = False) -> PlaybookResult:
    workdir = Path(workdir)
    inv_path = workdir / f"{play.stem}.inventory.json"
    inv_path.write_text(json.dumps(inv))
    out_file = workdir / f"{play.stem}.results.json"
    if out_file.exists():
        out_file.unlink()
    ev = {"results_file": str(out_file), **(extra_vars or {})}
    ev_path = workdir / f"{play.stem}.vars.json"
    ev_path.write_text(json.dumps(ev))
    started = time.time()
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inv_path), str(play), "-e", f"@{ev_path}", *(args or [])],
        env=ansible_env(env), cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False)
    return PlaybookResult(proc.returncode, proc.stdout, proc.stderr, time.time() - started,
                          out_file if results else None)


def start_playbook(workdir: Path, play: Path, inv: dict, *, log_name: str) -> subprocess.Popen:
    """ansible-playbook in its own process group, so a SIGKILL takes the module processes with it."""
    workdir = Path(workdir)
    inv_path = workdir / f"{play.stem}.inventory.json"
    inv_path.write_text(json.dumps(inv))
    log = open(workdir / log_name, "w")  # noqa: SIM115 - closed by kill_group's caller through the process
    return subprocess.Popen([str(BIN / "ansible-playbook"), "-i", str(inv_path), str(play)], env=ansible_env(),
                            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def save_results_task(names: list[str]) -> dict:
    """A last task writing every registered result of a host to the results file (JSON)."""
    content = "{{ {" + ", ".join(f"'{n}': ({n} | default(None))" for n in names) + "} | to_json }}"
    return {"name": "Save the registered results", "check_mode": False, "ansible.builtin.copy": {
        "content": content, "dest": "{{ results_file | regex_replace('\\.json$', '') }}.{{ inventory_hostname }}.json",
        "mode": "0600"}}


def host_results(workdir: Path, play: Path, host: str) -> dict:
    path = Path(workdir) / f"{play.stem}.results.{host}.json"
    return json.loads(path.read_text()) if path.exists() else {}


# -- the declared desired state of the convergence scenarios -----------------------------------
# Fixed dates (not "now + N"), so every run and every rerun computes the very same schedules.
def _date(days: int) -> str:
    base = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# Roles whose settings the scenario manages; every other role (built-in or custom) must stay untouched.
TIER0_ROLES = ["Global Administrator", "Privileged Role Administrator"]
SETTING_ROLES = [
    "Security Administrator", "Exchange Administrator",
    "SharePoint Administrator", "Teams Administrator", "User Administrator", "Helpdesk Administrator",
    "Password Administrator", "Intune Administrator", "Application Administrator",
    "Cloud Application Administrator", "Authentication Administrator", "Privileged Authentication Administrator",
    "Conditional Access Administrator", "Billing Administrator", "Reports Reader", "Security Reader",
    "Security Operator", "Global Reader", "Groups Administrator", "License Administrator",
    "Hybrid Identity Administrator", "Compliance Administrator", "Azure DevOps Administrator",
]


def scenario_tasks(variant: str = "A") -> list[dict]:
    """The apply: role settings over many roles, then eligible and active assignments.

    Variants A and B declare the *same scope* (the same roles' settings, the same principal/role pairs)
    with different values, so converging to one from the other writes a lot, and the converged state of
    a variant does not depend on where it started.
    """
    a = variant == "A"
    end_eligible, end_active = _date(120 if a else 90), _date(30 if a else 20)
    present, absent = ("present", "absent") if a else ("absent", "present")
    tasks = [
        {"name": "Role settings", "entra.pim.pim_role_setting": {
            "roles": SETTING_ROLES,
            "activation": {"max_duration": "PT4H" if a else "PT2H", "require_justification": a,
                           "require_mfa": True},
            "eligible_assignment": {"allow_permanent": False, "max_duration": "P180D" if a else "P150D"},
            "notifications": {"activation": {"admin": {"recipients": ["pim-alerts@{{ domain }}"] if a else [],
                                                       "critical_only": not a}}}},
         "register": "settings"},
        {"name": "Tier-0 settings", "entra.pim.pim_role_setting": {
            "roles": TIER0_ROLES,
            "activation": {"max_duration": "PT1H" if a else "PT30M", "require_ticket": a, "require_mfa": True},
            "active_assignment": {"allow_permanent": True}}, "register": "tier0"},
    ]
    if have_module("pim_eligible_assignment"):
        tasks.append({"name": "Eligible assignments", "entra.pim.pim_eligible_assignment": {
            "justification": "reliability suite",
            "assignments": [
                {"principal": "niaj.sharepoint@{{ domain }}", "role": "Reports Reader", "end": end_eligible,
                 "state": present},
                {"principal": "olivia.teams@{{ domain }}", "role": "Teams Administrator", "end": end_eligible},
                {"principal": "peggy.billing@{{ domain }}", "role": "Billing Administrator", "end": end_eligible,
                 "state": present},
                {"principal": "group:PIM-Exchange-Admins", "role": "Exchange Administrator", "end": end_eligible},
                {"principal": "rupert.security@{{ domain }}", "role": "Security Reader", "end": end_eligible},
                {"principal": "trent.dev@{{ domain }}", "role": "Groups Administrator", "end": end_eligible,
                 "state": present},
                {"principal": "wendy.nomfa@{{ domain }}", "role": "User Administrator", "end": end_eligible,
                 "state": absent},
            ]}, "register": "eligible"})
    if have_module("pim_active_assignment"):
        tasks.append({"name": "Active assignments", "entra.pim.pim_active_assignment": {
            "justification": "reliability suite",
            "assignments": [
                {"principal": "sp:ops-automation", "role": "Reports Reader", "end": end_active, "state": present},
                {"principal": "judy.apps@{{ domain }}", "role": "License Administrator", "end": end_active},
                {"principal": "victor.ops@{{ domain }}", "role": "Security Operator", "end": end_active,
                 "state": present},
            ]}, "register": "active"})
    return tasks


def declared_scope(data: dict, variant_tasks: list[dict], domain: str) -> tuple[set, set]:
    """(role ids whose settings the tasks manage, (principalId, roleId) pairs whose assignments they manage),
    resolved against a state dump."""
    # Exact names: the seed holds a custom "exchange administrator" beside the built-in "Exchange Administrator".
    roles = {r["displayName"]: r["id"] for r in data["roleDefinitions"].values()}
    upns = {u["userPrincipalName"].lower(): u["id"] for u in data["users"].values()}
    groups = {g["displayName"].lower(): g["id"] for g in data["groups"].values()}
    sps = {s["displayName"].lower(): s["id"] for s in data["servicePrincipals"].values()}
    role_ids, pairs = set(), set()
    for task in variant_tasks:
        for module, args in task.items():
            if not module.startswith("entra.pim."):
                continue
            role_ids |= {roles[r] for r in args.get("roles", [])}
            for item in args.get("assignments", []):
                ref = item["principal"].replace("{{ domain }}", domain).lower()
                if ref.startswith("group:"):
                    pid = groups[ref[6:]]
                elif ref.startswith("sp:"):
                    pid = sps[ref[3:]]
                else:
                    pid = upns[ref]
                pairs.add((pid, roles[item["role"]]))
    return role_ids, pairs


def outside_scope(data: dict, role_ids: set, pairs: set) -> dict:
    """The normalised state minus what the scenario declares: must never change."""
    norm = normalise(data)
    policy_role = {v.get("_roleDefinitionId") for v in data.get("roleManagementPolicies", {}).values()}
    assert role_ids <= policy_role
    norm["roleManagementPolicies"] = {k: v for k, v in norm["roleManagementPolicies"].items() if k not in role_ids}
    for key in SCHEDULES:
        norm[key] = [s for s in norm.get(key, []) if (s["principalId"], s["roleDefinitionId"]) not in pairs]
    norm["roleAssignments"] = [a for a in norm.get("roleAssignments", []) if (
        json.loads(a)["principalId"], json.loads(a)["roleDefinitionId"]) not in pairs]
    return norm


def deep(obj):
    return copy.deepcopy(obj)
