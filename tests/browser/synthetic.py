# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-tenant compliance results of many generated tenants, shaped as pim_compliance_evaluate writes them (every
control of the collection's control table, so new controls show up as columns), without an emulator: the
browser check renders what the real renderer makes of 300 of them. Deterministic: a tenant's results depend on
its index only."""

from __future__ import annotations

import hashlib

from ansible_collections.entra.pim.plugins.filter.pim_compliance import CONTROLS, control_aliases


def _roll(*parts) -> int:
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 100


def tenant_report(index: int, generated: str = "2026-11-28T03:00:00Z", standing: int | None = None) -> dict:
    """Tenant ``index``: about one control in five fails, a few are not applicable; ``standing`` permanent
    Global Administrators (MS.AAD.7.4 findings), by default 0 to 2."""
    tid = f"{index:08d}-0000-4000-8000-{index:012d}"
    name = f"customer-{index:04d}.onmicrosoft.com"
    standing = _roll(index, "standing") % 3 if standing is None else standing
    controls = []
    for cid, title, requirement, sources in CONTROLS:
        roll = _roll(index, cid)
        status = "fail" if roll < 20 else "not_applicable" if roll > 94 else "pass"
        findings = []
        if cid == "MS.AAD.7.4":
            findings = [{"status": "fail", "role": "Global Administrator", "principal": f"admin{n}@{name}",
                         "setting": "active assignment end", "expected": "an end date", "actual": "noExpiration",
                         "detail": "user"} for n in range(standing)]
            status = "fail" if standing else "pass"
        elif status == "fail":
            findings = [{"status": "fail", "role": "Global Administrator", "setting": "activation approval",
                         "expected": True, "actual": False}]
        summary = f"{len(findings)} finding(s)" if status == "fail" else "ok"
        controls.append({"id": cid, "aliases": control_aliases(cid), "title": title, "requirement": requirement,
                         "sources": sources, "status": status, "summary": summary, "findings": findings})
    counts = {s: sum(c["status"] == s for c in controls) for s in ("pass", "fail", "not_applicable")}
    return {"tenant_id": tid, "tenant": name, "generated": generated, "compliant": counts["fail"] == 0,
            "summary": counts, "failed": [c["id"] for c in controls if c["status"] == "fail"], "controls": controls}


def tenants(count: int, **kwargs) -> list[dict]:
    return [tenant_report(i, **kwargs) for i in range(count)]
