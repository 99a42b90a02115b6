"""Start the emulator in a child process the way every consumer does, talk to its admin API, and turn
its ready file into an Ansible inventory (``python -m pim_emulator inventory``).

Tests, the integration harness, the demo and the benchmark all use this, so they all go through
the public contract (the CLI and its ready file), never through the emulator's internals.
"""

from __future__ import annotations

import json
import os
import re
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

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; returns the exit code (0: a clean shutdown)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(workdir: str | Path, args: list[str] | None = None, timeout: float = 60) -> Emulator:
    """``python -m pim_emulator serve --port 0 --ready-file ...`` and wait for the ready file.

    The one way every harness starts an emulator (tests, integration, examples, AWX, reliability, molecule,
    demo, bench, ``python -m pim_emulator bench``): ``workdir`` gets ``ready.json`` and ``emulator.log``,
    and is the child's working directory. A child that exits or never gets ready raises RuntimeError
    carrying the end of its log.
    """
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
            raise RuntimeError(f"emulator exited with {proc.returncode}; {_log_tail(workdir)}")
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"emulator not ready within {timeout} s; {_log_tail(workdir)}")


def _log_tail(workdir: Path, size: int = 4000) -> str:
    path = workdir / "emulator.log"
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"no log at {path}"
    return f"the end of {path}:\n{text[-size:]}"


def auth_options(info: dict, tenant_index: int = 0, app_name: str = "pim-admin") -> dict:
    """The entra.pim connection options for one tenant's app, as module_defaults want them."""
    tenant = info["tenants"][tenant_index]
    app = next(a for a in tenant["apps"] if a["name"] == app_name)
    options = {
        "tenant_id": tenant["id"], "client_id": app["client_id"], "client_secret": app["client_secret"],
        "graph_url": info["graph_url"], "authority_host": info["authority_host"], "ca_bundle": info["ca_bundle"],
    }
    # Azure Resource Manager at the same address (issue 11): every module accepts arm_url, so one module_defaults
    # entry (and the inventories built from this) reaches the Azure modules too.
    if info.get("arm_url"):
        options["arm_url"] = info["arm_url"]
    return options


# Group variables that fit the default seed (every tenant has breakglass1/2 and PIM-Approvers-Tier0), so that
# playbooks/baseline.yml and compliance_scan.yml run as written: ``inventory --default-seed-vars`` and the demo.
DEFAULT_SEED_VARS = {
    "baseline_tier0_approvers": ["group:PIM-Approvers-Tier0"],
    "baseline_alert_mailbox": ["security-alerts@example.com"],
    "baseline_activation_alert_mailbox": ["pim-activations@example.com"],
    "baseline_protected_principals": ["breakglass1@{{ entra_tenant_domain }}", "breakglass2@{{ entra_tenant_domain }}"],
}


def tenant_hosts(info: dict, app_name: str | None = "pim-admin", tenants=None) -> dict:
    """The one place an emulator's tenants become inventory hosts: tenant name -> ``entra_tenant_id``,
    ``entra_tenant_domain`` and, unless ``app_name`` is None (credentials injected as environment variables,
    as AWX does), ``entra_pim_auth`` for that app. ``tenants``: the tenant indexes to include (all if None).
    """
    hosts = {}
    for index in range(len(info["tenants"])) if tenants is None else tenants:
        tenant = info["tenants"][index]
        host = {"entra_tenant_id": tenant["id"],
                "entra_tenant_domain": tenant.get("domain") or f"{tenant['name']}.onmicrosoft.com"}
        if app_name is not None:
            names = [a["name"] for a in tenant["apps"]]
            if app_name not in names:
                raise ValueError(f"tenant {tenant['name']!r} has no app {app_name!r}; its apps are {', '.join(names)}")
            auth = auth_options(info, index, app_name)
            if not auth.get("client_secret"):
                raise ValueError(f"app {app_name!r} has no client secret (a public client?); pick one that has")
            host["entra_pim_auth"] = auth
        hosts[tenant["name"]] = host
    return hosts


def inventory_doc(info: dict, app_name: str | None = "pim-admin", group_vars: dict | None = None,
                  python: str | None = None, tenants=None) -> dict:
    """An Ansible inventory as data: group ``entra_tenants``, one host per tenant (``tenant_hosts``), as the
    collection's playbooks read it, run on the controller (``ansible_connection: local``)."""
    group = {"ansible_connection": "local",
             "ansible_python_interpreter": python or "{{ ansible_playbook_python }}", **(group_vars or {})}
    return {"all": {"children": {"entra_tenants": {"hosts": tenant_hosts(info, app_name, tenants), "vars": group}}}}


def inventory_text(info: dict, app_name: str | None = "pim-admin", group_vars: dict | None = None,
                   python: str | None = None, tenants=None) -> str:
    """``inventory_doc`` as YAML (``entra_tenant_id``, ``entra_tenant_domain`` and the connection options in
    ``entra_pim_auth`` per host).

    The client secret is tagged ``!unsafe`` so Ansible never templates it (a secret may hold ``{{``).
    Every other value is written as a JSON scalar or flow list, which YAML reads as the same value.
    """
    doc = inventory_doc(info, app_name, group_vars, python, tenants)
    what = ("It holds the emulator's\n# app secrets for this run (mode 600)" if app_name is not None else
            "Its hosts carry no\n# credentials: give them as environment variables (AZURE_CLIENT_ID ...)")
    lines = ["---",
             f"# Written by `python -m pim_emulator inventory` from an emulator's ready file. {what}.",
             "# Use: ansible-playbook -i THIS_FILE playbooks/compliance_scan.yml"]
    return "\n".join(lines + _yaml_lines(doc, 0)) + "\n"


# A key written bare: a name YAML cannot read as anything but that string (a tenant named "yes" or "null"
# would be a boolean or null key in YAML 1.1, so such a key is quoted like every other one).
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def _yaml_lines(mapping: dict, indent: int) -> list[str]:
    lines = []
    for key, value in mapping.items():
        bare = _PLAIN_KEY.match(str(key)) and str(key).lower() not in _YAML_WORDS
        head = " " * indent + (str(key) if bare else _scalar(str(key))) + ":"
        if isinstance(value, dict) and value:
            lines += [head, *_yaml_lines(value, indent + 2)]
        else:
            lines.append(f"{head} {'!unsafe ' if key == 'client_secret' else ''}{_scalar(value)}")
    return lines


def _scalar(value) -> str:
    return json.dumps(value)  # JSON is YAML: quoted strings (escapes included), numbers, flow lists and maps


def write_inventory(info: dict, path: str | Path, app_name: str | None = "pim-admin",
                    group_vars: dict | None = None, python: str | None = None, tenants=None) -> Path:
    """Write ``inventory_text`` atomically with mode 600 (it holds secrets)."""
    path = Path(path)
    text = inventory_text(info, app_name, group_vars, python, tenants)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path
