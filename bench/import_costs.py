"""What a module process of entra.pim pays to start (issue 15): CPU seconds and its own peak memory.

Each case runs in a fresh interpreter, measured like the bench measures module processes
(``measure.run_measured``: CPU from ``wait4``, peak from the process's own ``VmHWM`` through ``hook_env``):

- the import sets: the Graph module base (``_module``), the ARM base (``_arm_client``), both;
- the same with the session(s) *opened* (credential and SDK client built, nothing sent): what a
  module pays before its first request, which the import figures alone do not show, since the
  SDKs a session needs are imported when it is opened, not at module import;
- with ``--emulator``: whole module runs (``pim_activation_info``, ``pim_azure_scope_info``), started
  as AnsiballZ starts them (the module file, its arguments in a JSON file), against a fresh emulator.

It also prints ``-X importtime`` of the module base, summed by top-level package, and the packages a
process holds after each case (``sys.modules`` prefixes), so a regression names its importer.

    .venv/bin/python bench/import_costs.py [--repeat 5] [--emulator] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import hook_env, read_jsonl, run_measured  # noqa: E402
from profiling import importtime_by_package  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".build" / "collections"
MU = "ansible_collections.entra.pim.plugins.module_utils"

# Connection options that build a credential and a client without sending anything: nothing listens on port 9.
OFFLINE_AUTH = {
    "auth_method": "client_secret", "tenant_id": "00000000-0000-0000-0000-000000000001",
    "client_id": "00000000-0000-0000-0000-000000000002", "client_secret": "not-a-secret",
    "graph_url": "https://127.0.0.1:9/v1.0", "authority_host": "https://127.0.0.1:9",
}
_OPEN_GRAPH = (f"from {MU}._client import GraphSession\n"
               f"g = GraphSession({OFFLINE_AUTH!r}); g._open(); g.close()\n")
_OPEN_ARM = (f"from {MU}._arm_client import ArmSession\n"
             f"a = ArmSession({OFFLINE_AUTH!r}, arm_url='https://127.0.0.1:9'); a._open(); a.close()\n")

CASES = {
    "python -c pass": "pass",
    "ansible.module_utils.basic": "import ansible.module_utils.basic",
    "Graph module base (_module)": f"import {MU}._module",
    "ARM base (_arm_client)": f"import {MU}._arm_client",
    "both (_module + _arm_client)": f"import {MU}._module, {MU}._arm_client",
    "_module + Graph session opened": f"import {MU}._module\n{_OPEN_GRAPH}",
    "_module + ARM session opened": f"import {MU}._module\n{_OPEN_ARM}",
    "_module + both sessions opened": f"import {MU}._module\n{_OPEN_GRAPH}{_OPEN_ARM}",
}

# Heavy packages whose presence after a case says who paid for what.
WATCH = ("msgraph", "msgraph_core", "kiota_abstractions", "kiota_http", "kiota_serialization_json",
         "kiota_authentication_azure", "httpx", "azure.core", "azure.identity", "azure.mgmt.authorization",
         "msal", "cryptography", "requests", "opentelemetry", "pydantic", "asyncio")

_REPORT_MODULES = ("\nimport json, os, sys\n"
                   f"w = {WATCH!r}\n"
                   "held = [p for p in w if p in sys.modules]\n"
                   "open(os.environ['IMPORT_COSTS_OUT'], 'w').write(json.dumps(held))\n")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COLLECTIONS), env.get("PYTHONPATH")]))
    return env


def measure(cmd: list[str], work: Path, label: str, repeat: int, env: dict | None = None) -> dict:
    """Median CPU and own peak (VmHWM) of ``repeat`` fresh processes of ``cmd``."""
    runs = []
    for i in range(repeat):
        log = work / f"{label}-{i}.jsonl"
        runs.append(run_measured(cmd, env=hook_env(env or _env(), log), proc_log=log))
    failed = [r for r in runs if r["rc"] != 0]
    return {"cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
            "cpu_s_min": min(r["cpu_s"] for r in runs),
            "peak_mb": statistics.median(r["peak_mb"] for r in runs if r["peak_mb"] is not None),
            "rc": failed[0]["rc"] if failed else 0}


def import_cases(work: Path, repeat: int) -> dict:
    out = {}
    for n, (label, code) in enumerate(CASES.items()):
        row = measure([sys.executable, "-c", code], work, f"case{n}", repeat)
        held_file = work / f"case{n}-held.json"
        env = {**_env(), "IMPORT_COSTS_OUT": str(held_file)}
        subprocess.run([sys.executable, "-c", code + _REPORT_MODULES], env=env, check=False)  # noqa: S603
        row["holds"] = json.loads(held_file.read_text()) if held_file.exists() else None
        out[label] = row
    return out


def importtime(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=_env(),  # noqa: S603
                          capture_output=True, text=True, check=False)
    return importtime_by_package(proc.stderr, limit=12)


MODULES = ("pim_activation_info", "pim_azure_scope_info")

# The shape of the per-tenant compliance process (issue 15): the readers' module_utils, then Graph and Resource
# Manager read in one process, with the emulator's connection options (ca_bundle included), no AnsiballZ.
GRAPH_AND_ARM = f"""import json, sys
from {MU} import _module, _activation_backend, _arm_activation_backend, _arm_role_settings, _arm_scopes
from {MU}._client import GraphSession
from {MU}._arm_client import ArmSession
auth = json.loads(sys.argv[1])
graph = GraphSession(auth)
graph.read_many([{{"url": "/roleManagement/directory/roleDefinitions"}},
                 {{"url": "/roleManagement/directory/roleEligibilitySchedules"}},
                 {{"url": "/roleManagement/directory/roleAssignmentSchedules"}}])
arm = ArmSession(auth, arm_url=auth["arm_url"])
sub = arm.list_subscriptions()[0]["id"]
arm.list_policies(sub)
arm.list_scheduled("role_eligibility_schedules", sub)
arm.list_role_definitions(sub)
graph.close()
arm.close()
"""

PLAYBOOK = """- hosts: localhost
  gather_facts: false
  module_defaults:
    group/entra.pim.all: "{{ pim_auth }}"
  tasks:
    - entra.pim.pim_activation_info:
      check_mode: true
      loop: "{{ range(runs | int) | list }}"
    - entra.pim.pim_azure_scope_info:
      loop: "{{ range(runs | int) | list }}"
    - ansible.builtin.ping:
      loop: "{{ range(runs | int) | list }}"
"""


def module_runs(work: Path, repeat: int) -> dict:
    """Whole module processes against a fresh emulator (default seed, no injected latency), in check mode:
    started directly (the module file, its arguments in a JSON file: no AnsiballZ), and as Ansible starts
    them (``ansible-playbook``: AnsiballZ, module_utils imported from its zip, so compiled from source each
    run), next to ``ansible.builtin.ping``, the Ansible floor."""
    sys.path.insert(0, str(ROOT / "emulator"))
    from pim_emulator.launch import auth_options, start

    out = {}
    emu = start(work / "emulator")
    try:
        auth = auth_options(emu.info)
        for module in MODULES:
            args = work / f"{module}.args.json"
            args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {**auth, "_ansible_check_mode": True}}))
            cmd = [sys.executable, str(ROOT / "plugins" / "modules" / f"{module}.py"), str(args)]
            out[f"{module} (direct)"] = measure(cmd, work, module, repeat)
        out["Graph + ARM reads, one process (direct)"] = measure(
            [sys.executable, "-c", GRAPH_AND_ARM, json.dumps(auth)], work, "graph-arm", repeat)
        (work / "vars.json").write_text(json.dumps({"pim_auth": auth, "runs": repeat}))
        (work / "play.yml").write_text(PLAYBOOK)
        (work / "inventory").write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
        log = work / "ansible.jsonl"
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_LOCALHOST_WARNING": "0",
               "ANSIBLE_RETRY_FILES_ENABLED": "0"}
        run = run_measured([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(work / "inventory"),
                            str(work / "play.yml"), "-e", f"@{work / 'vars.json'}"], env=hook_env(env, log),
                           cwd=work, log=work / "ansible.log", proc_log=log)
        if run["rc"] != 0:
            print((work / "ansible.log").read_text()[-3000:], file=sys.stderr)
        rows = [e for e in read_jsonl(log) if e.get("kind") == "module"]
        for name in (*MODULES, "ping"):
            mine = [e for e in rows if e["module"] == name]
            if mine:
                out[f"{name} (AnsiballZ)"] = {
                    "cpu_s": round(statistics.median(e["user_s"] + e["sys_s"] for e in mine), 3),
                    "cpu_s_min": round(min(e["user_s"] + e["sys_s"] for e in mine), 3),
                    "peak_mb": round(statistics.median(e["hwm_kb"] for e in mine) / 1024, 1), "rc": run["rc"]}
    finally:
        emu.stop()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--emulator", action="store_true", help="also whole module runs against an emulator")
    parser.add_argument("--json", help="write the figures to this file")
    a = parser.parse_args()
    if not COLLECTIONS.exists():
        subprocess.run([sys.executable, str(ROOT / "tests" / "collection_link.py")], check=True)  # noqa: S603
    with tempfile.TemporaryDirectory(prefix="entra-pim-imports-") as tmp:
        work = Path(tmp)
        result = {"load_1m": round(os.getloadavg()[0], 2), "repeat": a.repeat,
                  "imports": import_cases(work, a.repeat),
                  "importtime_module_ms": importtime(CASES["Graph module base (_module)"])}
        if a.emulator:
            result["module_runs"] = module_runs(work, a.repeat)
        result["load_1m_after"] = round(os.getloadavg()[0], 2)
    width = max(len(k) for k in [*result["imports"], *result.get("module_runs", {})])
    print(f"load average (1 min) before {result['load_1m']}, after {result['load_1m_after']}; "
          f"median of {a.repeat} fresh processes")
    for section in ("imports", "module_runs"):
        for label, row in result.get(section, {}).items():
            holds = ",".join(row.get("holds") or []) if "holds" in row else ""
            print(f"{label:<{width}}  {row['cpu_s']:5.2f} CPU-s  {row['peak_mb']:5.1f} MB  rc={row['rc']}  {holds}")
    print("-X importtime of _module, self ms by package:", json.dumps(result["importtime_module_ms"]))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
