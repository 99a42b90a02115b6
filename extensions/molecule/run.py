"""Run the molecule scenarios against a fresh Graph PIM emulator (make molecule).

Molecule does not start services, so this wrapper does: it starts the emulator through its CLI contract,
exports the connection of the first tenant as the environment variables every entra.pim module falls back
to (the admin app for the baseline scenario, the read-only app for the compliance scan), and runs
`molecule test -s <scenario>` for each (default, baseline, compliance).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pim_emulator.launch import auth_options, start

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from collection_link import COLLECTIONS, link_collection  # noqa: E402 - tests/ is not a package

# default is Molecule's shared-state scenario (a read-only connection check); it runs first, as Molecule would.
SCENARIOS = {"default": "pim-reader", "baseline": "pim-admin", "compliance": "pim-reader"}


def main(names: list[str]) -> int:
    link_collection()  # also when run without make
    failed = []
    workdir = Path(tempfile.mkdtemp(prefix="pim-molecule-"))
    with start(workdir) as emulator:
        info = emulator.info
        for name in names or list(SCENARIOS):
            emulator.admin("reset", {})
            auth = auth_options(info, 0, SCENARIOS[name])
            env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
                   "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
                   "AZURE_TENANT_ID": auth["tenant_id"], "AZURE_CLIENT_ID": auth["client_id"],
                   "AZURE_CLIENT_SECRET": auth["client_secret"], "ENTRA_PIM_GRAPH_URL": auth["graph_url"],
                   "AZURE_AUTHORITY_HOST": auth["authority_host"], "ENTRA_PIM_CA_BUNDLE": auth["ca_bundle"],
                   "EMULATOR_DOMAIN": info["tenants"][0]["domain"], "EMULATOR_ADMIN_URL": info["admin_url"],
                   "EMULATOR_ADMIN_TOKEN": info["admin_token"],
                   # Molecule keeps each scenario's state (and the compliance reports) in
                   # $ANSIBLE_HOME/tmp/molecule.<hash of "extensions">.<scenario>: with ~/.ansible that is one
                   # folder for every clone, so two clones' runs shared them. This run's own ANSIBLE_HOME
                   # (VIRTUAL_ENV would take precedence, so it is dropped) gives every run fresh state.
                   "ANSIBLE_HOME": str(workdir / "ansible-home")}
            env.pop("VIRTUAL_ENV", None)
            rc = subprocess.run(  # noqa: S603 - our venv's molecule, our scenario names
                [str(Path(sys.executable).parent / "molecule"), "test", "-s", name],
                cwd=ROOT / "extensions", env=env, check=False).returncode
            print(f"--- molecule scenario {name}: {'ok' if rc == 0 else 'FAILED'}", flush=True)
            if rc:
                failed.append(name)
    print(f"molecule: {len(names or SCENARIOS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
