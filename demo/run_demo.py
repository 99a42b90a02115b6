"""make demo: start the Graph PIM emulator, run demo/demo.yml against its first tenant, stop it.

Everything runs locally: the real collection, msgraph-sdk and azure-identity talk HTTPS to the
emulator, which generated its own CA, tenants and app secrets for this run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pim_emulator.launch import auth_options, start

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="pim-demo-"))
    with start(workdir) as emulator:
        info = emulator.info
        tenant = info["tenants"][0]
        inventory = {
            "tenants": {"hosts": {tenant["name"]: {"pim_auth": auth_options(info, 0)}}},
        }
        (workdir / "inventory.json").write_text(json.dumps(inventory))
        print(f"emulator: {info['graph_url']} (tenant {tenant['name']} {tenant['id']})", flush=True)
        env = {
            **os.environ,
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCALHOST_WARNING": "0",
        }
        result = subprocess.run(  # noqa: S603 - our own venv's ansible-playbook
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(workdir / "inventory.json"),
             str(ROOT / "demo" / "demo.yml")],
            env=env, cwd=ROOT, check=False,
        )
        stats = emulator.admin("stats")
        print(f"emulator counted {stats['requests']} Graph requests, {stats['writes']} write(s); "
              f"its log is {workdir / 'emulator.log'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
