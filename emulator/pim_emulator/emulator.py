"""The running emulator's state: tenants, their PIM engines, clock, keys, faults, stats, persistence.

One ``Emulator`` is shared by the HTTP handlers; it holds no aiohttp objects so it can be built in a
test without a socket. ``reset`` restores the seed snapshot taken at start (or loaded from the state
file), which is how tests get a known tenant back without restarting the process.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta

from . import tls
from .contract import Clock, Tenant
from .faults import FaultConfig, Stats
from .pim.arm_state import ARM_AUDIENCE, SCOPES, root_group
from .pim.engine import PimEngine

log = logging.getLogger("pim_emulator")

@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 0
    seed: str = "default"
    state_file: str | None = None
    token_lifetime: int = 3599
    page_size: int = 100
    rule_patch_status: int = 204
    request_retention_days: int = 45
    read_after_write_lag_ms: int = 0
    last_admin_protection: bool = True
    tenants: int | None = None  # generator instead of the default seed
    principals: int = 50
    pim_groups: int | None = None  # generated tenants: how many groups PIM manages (default: all)
    subscriptions: int = 2  # generated tenants: Azure subscriptions per tenant (bench: 10)
    conformance: bool = True  # check answers and request bodies against Graph's schema (conformance.py)


def azure_summary(tenant: Tenant) -> dict:
    """The Azure scopes of a tenant for the ready file: its root group and subscriptions (ids, names)."""
    root = root_group(tenant)
    subs = [{"id": r["subscriptionId"], "displayName": r["displayName"], "scope": r["id"]}
            for r in tenant.coll(SCOPES).values() if r["kind"] == "subscription"]
    groups = [{"id": r["name"], "displayName": r["displayName"], "scope": r["id"]}
              for r in tenant.coll(SCOPES).values() if r["kind"] == "managementgroup"]
    return {"root_management_group": root["id"] if root else None, "subscriptions": subs,
            "management_groups": groups}


class Emulator:
    def __init__(self, settings: Settings, faults: FaultConfig | None = None):
        self.settings = settings
        self.faults = faults or FaultConfig()
        self.stats = Stats()
        self.clock = Clock()
        # One dict shared by every engine, so the admin API can change options while running.
        self.options = {
            "rule_patch_status": settings.rule_patch_status,
            "last_admin_protection": settings.last_admin_protection,
            "request_retention_days": settings.request_retention_days,
            "read_after_write_lag_ms": settings.read_after_write_lag_ms,
        }
        self.admin_token = secrets.token_urlsafe(32)
        self.base_url = ""  # https://127.0.0.1:PORT once bound
        self.tenants: dict[str, Tenant] = {}
        self.engines: dict[str, PimEngine] = {}
        self.snapshot: list[dict] = []
        self.signing_key_pem = ""
        self.signing_kid = ""
        self._own_dir = settings.state_file is None
        if settings.state_file:
            self.work_dir = os.path.abspath(settings.state_file) + ".d"
            os.makedirs(self.work_dir, exist_ok=True)
        else:
            self.work_dir = tempfile.mkdtemp(prefix="pim-emulator-")
        self.dirty = False

    # -- set up ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the state file if there is one, else build the seed."""
        path = self.settings.state_file
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
            self.signing_key_pem = doc["signing_key_pem"]
            self.signing_kid = doc.get("signing_kid") or uuid.uuid4().hex
            self.snapshot = doc["snapshot"]
            self.clock.offset = timedelta(seconds=float(doc.get("clock_offset_seconds", 0)))
            self.options.update(doc.get("options") or {})  # before the engines are built from it
            self._install([Tenant.from_json(t) for t in doc["tenants"]])
            log.info("loaded state from %s", path)
        else:
            from .seed import build_seed  # local import: seed imports tls and data files

            self.signing_key_pem = tls.new_signing_key_pem()
            self.signing_kid = uuid.uuid4().hex
            tenants = build_seed(self.settings, self.clock)
            self.snapshot = [copy.deepcopy(t.to_json()) for t in tenants]
            self._install(tenants)
            self.save()
        self.write_certificates()

    def _install(self, tenants: list[Tenant]) -> None:
        self.tenants = {t.id: t for t in tenants}
        self.engines = {t.id: PimEngine(t, self.clock, self.options) for t in tenants}

    def reset(self) -> None:
        """Back to the seed: tenants, engines, clock, stats and faults."""
        self.clock.offset = timedelta(0)
        self._install([Tenant.from_json(copy.deepcopy(doc)) for doc in self.snapshot])
        self.write_certificates()
        self.stats.reset()
        self.faults.__init__()  # type: ignore[misc]
        self.apply_options({"read_after_write_lag_ms": self.settings.read_after_write_lag_ms,
                            "rule_patch_status": self.settings.rule_patch_status,
                            "request_retention_days": self.settings.request_retention_days,
                            "last_admin_protection": self.settings.last_admin_protection})
        self.mark_dirty()

    def write_certificates(self) -> None:
        """App client certificates (key + cert PEM) for CertificateCredential, in the work dir."""
        cert_dir = os.path.join(self.work_dir, "certs")
        os.makedirs(cert_dir, exist_ok=True)
        for tenant in self.tenants.values():
            for app in tenant.coll("applications").values():
                if app.get("_cert_pem") and app.get("_key_pem"):
                    path = os.path.join(cert_dir, f"{tenant.name}-{app['displayName']}.pem")
                    tls.write_file(path, app["_key_pem"] + app["_cert_pem"])
                    app["_certificate_path"] = path

    def close(self) -> None:
        self.save()
        if self._own_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- lookups --------------------------------------------------------------------------------

    def tenant_by_ref(self, ref: str) -> Tenant | None:
        """A tenant by id, by name ("contoso") or by its domain ("contoso.onmicrosoft.com")."""
        if ref in self.tenants:
            return self.tenants[ref]
        low = ref.lower()
        for t in self.tenants.values():
            if t.name.lower() == low or f"{t.name}.onmicrosoft.com".lower() == low:
                return t
        return None

    @staticmethod
    def find_app(tenant: Tenant, client_id: str) -> dict | None:
        return next((a for a in tenant.coll("applications").values() if a.get("appId") == client_id), None)

    @staticmethod
    def find_sp(tenant: Tenant, app_id: str) -> dict | None:
        return next((s for s in tenant.coll("servicePrincipals").values() if s.get("appId") == app_id), None)

    def apply_options(self, changes: dict) -> None:
        """Change engine options at run time (engines may keep their own copy of the dict)."""
        self.options.update(changes)
        for engine in self.engines.values():
            opts = getattr(engine, "options", None)
            if isinstance(opts, dict) and opts is not self.options:
                opts.update(changes)

    def engine(self, tenant_id: str) -> PimEngine:
        """The tenant's backend: the handlers of every route work on it."""
        return self.engines[tenant_id]

    # -- persistence ----------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        self.dirty = True

    def save(self) -> None:
        path = self.settings.state_file
        self.dirty = False
        if not path:
            return
        doc = {
            "format": "pim-emulator-state/1",
            "signing_key_pem": self.signing_key_pem,
            "signing_kid": self.signing_kid,
            "clock_offset_seconds": self.clock.offset.total_seconds(),
            "options": self.options,
            "tenants": [t.to_json() for t in self.tenants.values()],
            "snapshot": self.snapshot,
        }
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.chmod(tmp, 0o600)  # it holds app secrets and keys
        os.replace(tmp, path)

    # -- ready file -----------------------------------------------------------------------------

    def ready_document(self, ca_bundle: str) -> dict:
        tenants = []
        for t in self.tenants.values():
            apps = []
            for app in t.coll("applications").values():
                entry = {"name": app["displayName"], "client_id": app["appId"], "object_id": app["id"],
                         "client_secret": app.get("_secret"), "permissions": sorted(app.get("_permissions", [])),
                         "delegated_permissions": sorted(app.get("_delegated_permissions", [])),
                         "public_client": bool(app.get("_public_client"))}
                sp = self.find_sp(t, app["appId"])
                if sp:
                    entry["service_principal_id"] = sp["id"]
                if app.get("_certificate_path"):
                    entry["certificate_path"] = app["_certificate_path"]
                    entry["certificate_thumbprint"] = app.get("_cert_thumbprint")
                apps.append(entry)
            users = [{"id": u["id"], "userPrincipalName": u["userPrincipalName"], "displayName": u.get("displayName"),
                      "password": u.get("_password"), "mfa": bool(u.get("_mfa")), "roles": u.get("_seed_roles", [])}
                     for u in t.coll("users").values()]
            tenants.append({"id": t.id, "name": t.name, "domain": f"{t.name}.onmicrosoft.com", "apps": apps,
                            "users": users, "azure": azure_summary(t)})
        return {
            "graph_url": f"{self.base_url}/v1.0",
            # Azure Resource Manager is served at the root of the same address (routes/arm.py): the base URL an
            # ARM SDK client is given; tokens for {arm_audience}/.default carry that audience.
            "arm_url": self.base_url,
            "arm_audience": ARM_AUDIENCE,
            "authority_host": self.base_url,
            "ca_bundle": ca_bundle,
            "admin_url": f"{self.base_url}/_emulator",
            "admin_token": self.admin_token,
            "tenants": tenants,
        }
