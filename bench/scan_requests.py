"""Graph requests, round trips, module processes and module start of one scan and one baseline (issue 19 item 4).

Starts the emulator with its default seed, then for its first tenant runs, each measured on its own:

- ``playbooks/compliance_scan.yml`` in check mode with the read-only app;
- ``playbooks/baseline.yml`` twice with the admin app (fresh tenant, then nothing left to change);
- the baseline once more in ``--check --diff`` on a fresh tenant.

For each run it prints the emulator's admin stats (``GET /_emulator/stats``: requests, requests by route,
writes), the module processes and, for each, the time (wall and CPU) from the process's start to its first
network connection (the sign-in, then Graph): what a module costs before it asks anything. The modules send one
request at a time (``GraphSession`` awaits each answer before the next), so the Graph requests of a run
are also its sequential round trips; a ``$batch`` is one request and one round trip however many reads
it carries (``by_route`` counts those reads one by one).

With ``--bench-seed`` the tenants are the bench's (bench/seeds.py): the scan reads ``bigscan`` (123 roles,
500 eligible and 200 active assignments, so several pages per list) and the baseline hardens ``fresh``.

Usage: .venv/bin/python bench/scan_requests.py [--bench-seed] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from collection_link import COLLECTIONS, link_collection  # noqa: E402 - tests/ is not a package

from pim_emulator.launch import start, write_inventory  # noqa: E402

PY = sys.executable
ANSIBLE_PLAYBOOK = str(Path(PY).parent / "ansible-playbook")

# Loaded by every Python process of a run; only module processes (AnsiballZ_*) record. An audit hook sees
# the first socket.connect: no module code is changed or wrapped to measure it.
HOOK = '''
import os, sys
_LOG = os.environ.get("SCAN_REQUESTS_MODULE_LOG")
_ARGV0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
if _LOG and _ARGV0.startswith("AnsiballZ_"):
    import time
    def _started():
        with open("/proc/self/stat", encoding="ascii") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
    _T0 = _started()
    _SEEN = []
    def _hook(event, args):
        if event == "socket.connect" and not _SEEN:
            _SEEN.append(time.time())
            import json, resource
            ru = resource.getrusage(resource.RUSAGE_SELF)
            with open(_LOG, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"module": _ARGV0[len("AnsiballZ_"):-3], "pid": os.getpid(),
                                     "start_to_first_connect_s": round(_SEEN[0] - _T0, 3),
                                     "cpu_to_first_connect_s": round(ru.ru_utime + ru.ru_stime, 3)}) + "\\n")
    sys.addaudithook(_hook)
'''

BASELINE_VARS = {
    "baseline_tier0_approvers": ["group:PIM-Approvers-Tier0"],
    "baseline_alert_mailbox": ["security-alerts@example.com"],
    "baseline_activation_alert_mailbox": ["pim-activations@example.com"],
    "baseline_protected_principals": ["breakglass1@{{ entra_tenant_domain }}", "breakglass2@{{ entra_tenant_domain }}"],
}


def run(emu, work: Path, name: str, playbook: str, inventory: Path, tenant: str, extra: list[str]) -> dict:
    log = work / f"{name}.modules.jsonl"
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_HOST_KEY_CHECKING": "0", "ANSIBLE_RETRY_FILES_ENABLED": "0",
           "SCAN_REQUESTS_MODULE_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(work / "hook"), os.environ.get("PYTHONPATH")]))}
    emu.admin("stats/reset", {})
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(inventory), str(ROOT / "playbooks" / playbook),
                           "--limit", tenant, *extra], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False)
    (work / f"{name}.log").write_text(proc.stdout + proc.stderr)
    stats = emu.admin("stats")
    modules = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {"run": name, "rc": proc.returncode, "requests": stats["requests"], "by_method": stats["by_method"],
            "by_route": stats["by_route"], "writes": stats["writes"], "write_requests": stats["write_requests"],
            "token_requests": stats.get("token_requests"), "module_processes": len(modules), "modules": modules}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--bench-seed", action="store_true", help="the bench's bigscan and fresh tenants")
    args = parser.parse_args()
    link_collection()
    work = Path(tempfile.mkdtemp(prefix="scan-requests-"))
    (work / "hook").mkdir()
    (work / "hook" / "sitecustomize.py").write_text(HOOK)
    results = []
    emulator_args = []
    if args.bench_seed:
        sys.path.insert(0, str(ROOT / "bench"))
        from seeds import write_bench_seed  # bench/ is not a package

        write_bench_seed(work / "seed.json")
        emulator_args = ["--seed", str(work / "seed.json")]
    with start(work / "emulator", emulator_args) as emu:
        tenant = emu.info["tenants"][0]["name"]
        target = emu.info["tenants"][1]["name"] if args.bench_seed else tenant
        group_vars = dict(BASELINE_VARS, compliance_report_dir=str(work / "reports"))
        reader, admin = work / "reader.yml", work / "admin.yml"
        write_inventory(emu.info, reader, "pim-reader", group_vars, python=PY)
        write_inventory(emu.info, admin, "pim-admin", group_vars, python=PY)
        results.append(run(emu, work, "scan", "compliance_scan.yml", reader, tenant, ["--check"]))
        results.append(run(emu, work, "baseline-1", "baseline.yml", admin, target, []))
        results.append(run(emu, work, "baseline-2", "baseline.yml", admin, target, []))
        emu.admin("reset", {})
        results.append(run(emu, work, "baseline-check-diff", "baseline.yml", admin, target, ["--check", "--diff"]))
    for r in results:
        starts = ", ".join(f"{m['module']} {m['start_to_first_connect_s']} s ({m['cpu_to_first_connect_s']} s CPU)"
                           for m in r["modules"])
        print(f"{r['run']}: rc {r['rc']}, {r['requests']} requests {r['by_method']}, "
              f"{r['write_requests']} write requests / {r['writes']} writes, {r['module_processes']} module "
              f"process(es); start to first connection: {starts}")
        for route, count in sorted(r["by_route"].items()):
            print(f"    {count:3d} {route}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(f"logs: {work}")
    return 1 if any(r["rc"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
