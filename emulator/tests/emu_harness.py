"""Start the emulator exactly as everybody does (``python -m pim_emulator serve --port 0 --ready-file``) and
talk to it: raw Graph calls, tokens, admin API."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

EMULATOR_DIR = Path(__file__).resolve().parents[1]


class Emu:
    def __init__(self, ready: dict, proc: subprocess.Popen):
        self.ready, self.proc = ready, proc
        self.graph_url = ready["graph_url"]
        self.authority = ready["authority_host"]
        self.ca = ready["ca_bundle"]
        self.http = httpx.Client(verify=ssl.create_default_context(cafile=self.ca), timeout=30)

    def tenant(self, name: str = "contoso") -> dict:
        return next(t for t in self.ready["tenants"] if t["name"] == name)

    def app(self, name: str = "pim-admin", tenant: str = "contoso") -> dict:
        return next(a for a in self.tenant(tenant)["apps"] if a["name"] == name)

    def user(self, upn_prefix: str, tenant: str = "contoso") -> dict:
        return next(u for u in self.tenant(tenant)["users"] if u["userPrincipalName"].startswith(upn_prefix + "@"))

    def token(self, app: str = "pim-admin", tenant: str = "contoso") -> str:
        a, t = self.app(app, tenant), self.tenant(tenant)
        r = self.http.post(f"{self.authority}/{t['id']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": a["client_id"], "client_secret": a["client_secret"],
            "scope": "https://graph.microsoft.com/.default"})
        r.raise_for_status()
        return r.json()["access_token"]

    def user_token(self, user: str, tenant: str = "contoso", scope: str = "https://graph.microsoft.com/.default"):
        a, t, u = self.app("pim-cli", tenant), self.tenant(tenant), self.user(user, tenant)
        return self.http.post(f"{self.authority}/{t['id']}/oauth2/v2.0/token", data={
            "grant_type": "password", "client_id": a["client_id"], "username": u["userPrincipalName"],
            "password": u["password"], "scope": scope + " openid profile offline_access"})

    def signin(self, user: str, tenant: str = "contoso", mfa: bool = True, acrs=None) -> str:
        """An interactive sign-in's access token (admin API), with MFA: what ``az login`` would give."""
        t, u = self.tenant(tenant), self.user(user, tenant)
        body = {"client_id": self.app("pim-cli", tenant)["client_id"], "mfa": mfa}
        if acrs is not None:
            body["acrs"] = list(acrs)
        r = self.admin("POST", f"tenants/{t['id']}/users/{u['id']}/signin", body)
        r.raise_for_status()
        return r.json()["access_token"]

    def get(self, path: str, token: str | None = None, **kw) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token()}", **kw.pop("headers", {})}
        return self.http.get(self.graph_url + path, headers=headers, **kw)

    def post(self, path: str, body=None, token: str | None = None, **kw) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token()}", **kw.pop("headers", {})}
        return self.http.post(self.graph_url + path, json=body, headers=headers, **kw)

    def admin(self, method: str, path: str, body=None) -> httpx.Response:
        return self.http.request(method, f"{self.ready['admin_url']}/{path}", json=body,
                                 headers={"Authorization": f"Bearer {self.ready['admin_token']}"})


def start_emulator(tmp: Path, *args: str) -> Emu:
    ready_file = tmp / "ready.json"
    log = open(tmp / "emulator.log", "wb")  # kept open for the process's lifetime
    env = {**os.environ, "PYTHONPATH": str(EMULATOR_DIR) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    argv = [sys.executable, "-m", "pim_emulator", "serve", "--port", "0", "--ready-file", str(ready_file), *args]
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)  # noqa: S603 - our own module
    deadline = time.monotonic() + 60
    while not ready_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("emulator did not start:\n" + (tmp / "emulator.log").read_text())
        time.sleep(0.05)
    return Emu(json.loads(ready_file.read_text()), proc)


def stop_emulator(emu: Emu) -> int:
    emu.http.close()
    emu.proc.send_signal(signal.SIGTERM)
    try:
        return emu.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        emu.proc.kill()
        return -9


