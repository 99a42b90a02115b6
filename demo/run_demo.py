"""make demo: scan -> baseline -> scan over the emulator's tenants, then print where the report is.

Everything runs locally: the real collection, msgraph-sdk and azure-identity talk HTTPS to the
emulator, which generated its own CA, tenants and app secrets for this run. The first scan (read-only
app, check mode) finds the seeded violations; the baseline (admin app) fixes what a machine may fix;
the second scan is left with what needs a human (too many Global Administrators, a synced privileged
user, service principals holding roles permanently).

Next to the directory roles, each tenant's Azure part (issue 11; ``pim_azure: auto``, on because the apps can see
the emulator's subscriptions): the first scan finds the standing Owner and User Access Administrator assignments
and the default Azure role settings at each subscription, the baseline hardens Owner, User Access Administrator
and RBAC Administrator there and replaces standing access with eligibility (break-glass kept), and the second
scan shows each subscription again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pim_emulator.launch import DEFAULT_SEED_VARS, start, write_inventory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from collection_link import COLLECTIONS as LINKED, link_collection  # noqa: E402 - tests/ is not a package

# ENTRA_PIM_COLLECTIONS: run the demo against an installed copy instead of this tree.
COLLECTIONS = os.environ.get("ENTRA_PIM_COLLECTIONS", str(LINKED))


def play(workdir: Path, name: str, inv: str, *args: str) -> int:
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_LOCALHOST_WARNING": "0",
           "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "0"}
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(workdir / inv),
           str(ROOT / "playbooks" / name), "--forks", "10", *args]
    print(f"\n$ ansible-playbook -i {inv} playbooks/{name} {' '.join(args)}", flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT, check=False).returncode  # noqa: S603 - our own venv


def summary(report_dir: Path) -> str:
    """Each tenant's failing controls, then per subscription the Azure controls failing there."""
    reports = json.loads((report_dir / "all-tenants.json").read_text())
    lines = []
    for r in reports:
        directory = [c for c in r["failed"] if not _azure(c)]
        state = "directory roles compliant" if not directory else "fails " + ", ".join(directory)
        lines.append(f"  {r['tenant']:<10} {state}")
        for sub in (r.get("azure") or {}).get("subscriptions", []):
            state = "compliant" if sub["compliant"] else "fails " + ", ".join(sub["failed"])
            lines.append(f"    Azure subscription {sub['name']:<12} {state}")
    return "\n".join(lines)


def _azure(control_id: str) -> bool:
    return control_id.startswith(("AZURE.", "MCSB.", "CIS.AZ.")) or control_id == "BASELINE.azure"


def arm_requests(stats: dict) -> int:
    """The ARM share of the emulator's requests (its routes below /subscriptions and /providers)."""
    return sum(n for route, n in (stats.get("by_route") or {}).items()
               if "/providers/Microsoft." in route or route.split(" ", 1)[-1].startswith("/subscriptions"))


def main() -> int:
    if "ENTRA_PIM_COLLECTIONS" not in os.environ:
        link_collection()  # also when run without make
    workdir = Path(tempfile.mkdtemp(prefix="pim-demo-"))
    with start(workdir) as emulator:
        info = emulator.info
        # What `python -m pim_emulator inventory --default-seed-vars` writes, plus where the reports go.
        demo_vars = {**DEFAULT_SEED_VARS, "compliance_report_dir": "{{ report_dir }}"}
        for inv, app in (("reader.yml", "pim-reader"), ("admin.yml", "pim-admin")):
            write_inventory(info, workdir / inv, app, demo_vars, python=sys.executable)
        print(f"emulator: {info['graph_url']} ({', '.join(t['name'] for t in info['tenants'])})", flush=True)
        before, after = workdir / "reports" / "1-before", workdir / "reports" / "2-after"
        rc = play(workdir, "compliance_scan.yml", "reader.yml", "--check", "-e", f"report_dir={before}")
        rc = rc or play(workdir, "baseline.yml", "admin.yml", "-e", "baseline_replace_permanent_active=true")
        rc = rc or play(workdir, "compliance_scan.yml", "reader.yml", "--check", "-e", f"report_dir={after}")
        stats = emulator.admin("stats")
    if rc == 0:
        print(f"\nfirst scan:\n{summary(before)}\nafter the baseline:\n{summary(after)}")
        print(f"\nemulator counted {stats['requests']} requests ({arm_requests(stats)} of them ARM), "
              f"{stats['writes']} write(s)")
        print(f"HTML report before: {before / 'all-tenants.html'}")
        print(f"HTML report after:  {after / 'all-tenants.html'}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
