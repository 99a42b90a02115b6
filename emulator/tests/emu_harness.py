"""Start the emulator exactly as everybody does (``pim_emulator.launch.start``: ``python -m pim_emulator serve
--port 0 --ready-file``) and talk to it: raw Graph calls, tokens, admin API."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import httpx

from pim_emulator.launch import start

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
    """Through ``pim_emulator.launch.start``, the one launcher every harness uses."""
    launched = start(tmp, list(args))
    emu = Emu(launched.info, launched.proc)
    emu.launched = launched
    return emu


def stop_emulator(emu: Emu) -> int:
    """SIGTERM and the exit code (0: the emulator shut down cleanly)."""
    emu.http.close()
    return emu.launched.stop()
