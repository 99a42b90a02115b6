"""Run the live check with a local emulator standing in for "your tenant" (``make live-check-selftest``).

It shows the live check works end to end without a tenant: an emulator is started, the ENTRA_PIM_LIVE_*
variables point at it (graph_url, authority_host, ca_bundle and its pim-admin app), a role and a seed user
are named so the write phase runs too, and tests/live runs as ``make live-check`` would. The live check
starts a second emulator of its own to compare with, so every shape must match.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pim_emulator.launch import start

HERE = Path(__file__).resolve().parent


def main() -> int:
    with start(Path(tempfile.mkdtemp(prefix="pim-live-tenant-"))) as tenant:
        info = tenant.info
        contoso = info["tenants"][0]
        app = next(a for a in contoso["apps"] if a["name"] == "pim-admin")
        user = next(u for u in contoso["users"] if u["userPrincipalName"].startswith("olivia.teams@"))
        env = {**os.environ,
               "ENTRA_PIM_LIVE_TENANT_ID": contoso["id"], "ENTRA_PIM_LIVE_CLIENT_ID": app["client_id"],
               "ENTRA_PIM_LIVE_CLIENT_SECRET": app["client_secret"], "ENTRA_PIM_LIVE_GRAPH_URL": info["graph_url"],
               "ENTRA_PIM_LIVE_AUTHORITY_HOST": info["authority_host"], "ENTRA_PIM_LIVE_CA_BUNDLE": info["ca_bundle"],
               "ENTRA_PIM_LIVE_ROLE": "Helpdesk Administrator", "ENTRA_PIM_LIVE_TEST_USER": user["userPrincipalName"]}
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(HERE), *sys.argv[1:]]
        run = subprocess.run(argv, env=env, check=False)  # noqa: S603 - our own interpreter and tests
        stats = tenant.admin("stats")
        print(f"the stand-in tenant took {stats['requests']} Graph requests, {stats['writes']} of them writes")
        return run.returncode


if __name__ == "__main__":
    sys.exit(main())
