"""Run the integration targets through ansible-playbook against a fresh Graph PIM emulator.

Each target under tests/integration/targets is an ansible-test style role (aliases,
tasks/main.yml). This harness starts the emulator the way every consumer does (CLI, ready
file), writes integration_config.yml into the run's own directory from the ready file, resets the
emulator before each target and runs the target as a role. It prints one closing line,
"integration: N passed, N failed", and exits non-zero when any target failed.

Usage: run.py [TARGET ...]   (default: every target without `disabled`/`unsupported` aliases)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pim_emulator.launch import auth_options, start

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from collection_link import COLLECTIONS, link_collection  # noqa: E402 - tests/ is not a package

TARGETS = ROOT / "tests" / "integration" / "targets"


def write_config(info: dict, config_path: Path) -> dict:
    tenants = info["tenants"]
    config = {
        "pim_auth": auth_options(info, 0, "pim-admin"),
        "pim_reader_auth": auth_options(info, 0, "pim-reader"),
        "pim_second_tenant_auth": auth_options(info, 1, "pim-admin") if len(tenants) > 1 else None,
        "emulator_admin_url": info["admin_url"],
        "emulator_admin_token": info["admin_token"],
        "emulator_ca_bundle": info["ca_bundle"],
        "emulator_graph_url": info["graph_url"],
        # Azure Resource Manager, same address (docs/emulator.md "Azure Resource Manager"): the modules' arm_url.
        "emulator_arm_url": info["arm_url"],
        "pim_arm_url": info["arm_url"],
        "emulator_arm_audience": info["arm_audience"],
        "emulator_authority_host": info["authority_host"],
        "emulator_tenant": tenants[0],
        "emulator_tenants": tenants,
    }
    # JSON is valid YAML. It lives in this run's own directory: two runs at once (developers, helpers)
    # must never read each other's emulator address and CA.
    config_path.write_text(json.dumps(config, indent=2))
    return config


def selected_targets(names: list[str]) -> list[str]:
    out = []
    for target in sorted(p for p in TARGETS.iterdir() if p.is_dir()):
        aliases = (target / "aliases").read_text().split() if (target / "aliases").exists() else []
        if names:
            if target.name in names:
                out.append(target.name)
        elif not target.name.startswith("setup_") and not {"disabled", "unsupported", "hidden"} & set(aliases):
            out.append(target.name)
    return out


def run_target(name: str, workdir: Path) -> bool:
    play = workdir / f"{name}.yml"
    play.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        f"  vars:\n    ansible_python_interpreter: {sys.executable}\n"
        f"  roles:\n    - {name}\n"
    )
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_ROLES_PATH": str(TARGETS),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    }
    started = time.time()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(play),
         "-e", f"@{workdir / 'integration_config.yml'}", *os.environ.get("INTEGRATION_ARGS", "").split()],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )
    ok = result.returncode == 0
    print(f"--- target {name}: {'ok' if ok else 'FAILED'} in {time.time() - started:.1f}s", flush=True)
    if not ok or os.environ.get("INTEGRATION_VERBOSE"):
        print(result.stdout[-20000:])
        print(result.stderr[-5000:])
    return ok


def main(argv: list[str]) -> int:
    link_collection()
    targets = selected_targets(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pim-integration-"))
    passed = failed = 0
    with start(workdir, os.environ.get("EMULATOR_ARGS", "").split()) as emulator:
        write_config(emulator.info, workdir / "integration_config.yml")
        for name in targets:
            if emulator.proc.poll() is not None:
                # Something outside this run stopped the emulator; every later target would fail
                # with a missing CA file, so say what happened instead.
                print(f"--- emulator exited with {emulator.proc.returncode} before {name}; "
                      f"see {workdir / 'emulator.log'}")
                failed += 1
                continue
            emulator.admin("reset", {})
            if run_target(name, workdir):
                passed += 1
            else:
                failed += 1
    print(f"integration: {passed} passed, {failed} failed")
    return 1 if failed or not targets else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
