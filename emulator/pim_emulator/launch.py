"""Start the emulator in a child process the way every consumer does, and talk to its admin API.

Tests, the integration harness, the demo and the benchmark all use this, so they all go through
the public contract (the CLI and its ready file), never through the emulator's internals.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


class Emulator:
    """A running emulator: ``info`` is its ready file, ``stop()`` ends it."""

    def __init__(self, proc: subprocess.Popen, info: dict, workdir: Path):
        self.proc = proc
        self.info = info
        self.workdir = workdir

    def admin(self, path: str, body: dict | None = None, method: str | None = None) -> dict:
        """Call the admin API (bearer ``admin_token``), trusting only the emulator's CA."""
        ctx = ssl.create_default_context(cafile=self.info["ca_bundle"])
        req = urllib.request.Request(  # noqa: S310 - always the emulator's own https admin URL
            f"{self.info['admin_url']}/{path.lstrip('/')}",
            method=method or ("POST" if body is not None else "GET"),
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.info['admin_token']}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, context=ctx, timeout=60) as resp:  # noqa: S310
            raw = resp.read()
        return json.loads(raw) if raw else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(workdir: str | Path, args: list[str] | None = None, timeout: float = 60) -> Emulator:
    """``python -m pim_emulator serve --port 0 --ready-file ...`` and wait for the ready file."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ready = workdir / "ready.json"
    if ready.exists():
        ready.unlink()
    log = open(workdir / "emulator.log", "w")  # noqa: SIM115 - lives as long as the child
    package_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "pim_emulator", "serve", "--port", "0", "--ready-file", str(ready), *(args or [])],
        stdout=log, stderr=subprocess.STDOUT, cwd=workdir, env=env,
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        if ready.exists():
            try:
                return Emulator(proc, json.loads(ready.read_text()), workdir)
            except ValueError:
                pass  # still being written
        if proc.poll() is not None:
            raise RuntimeError(f"emulator exited with {proc.returncode}; see {workdir / 'emulator.log'}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"emulator not ready within {timeout} s; see {workdir / 'emulator.log'}")


def auth_options(info: dict, tenant_index: int = 0, app_name: str = "pim-admin") -> dict:
    """The entra.pim connection options for one tenant's app, as module_defaults want them."""
    tenant = info["tenants"][tenant_index]
    app = next(a for a in tenant["apps"] if a["name"] == app_name)
    return {
        "tenant_id": tenant["id"], "client_id": app["client_id"], "client_secret": app["client_secret"],
        "graph_url": info["graph_url"], "authority_host": info["authority_host"], "ca_bundle": info["ca_bundle"],
    }
