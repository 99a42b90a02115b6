# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/compliance_scan.yml through ansible-runner the way AWX runs a "Check" job template.

AWX writes a private data dir: the credential type's injectors become env/envvars (awx/credential_type.yml),
the inventory is one host per tenant with entra_tenant_id, the job type "check" becomes --check. What AWX
keeps as job artifacts is the playbook_on_stats event's artifact_data (set_stats, per_host: false).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import time
from pathlib import Path

import ansible_runner
import pytest
from ansible_collections.entra.pim.plugins.filter.pim_compliance import CONTROLS
from conftest import COLLECTIONS, ROOT

from pim_emulator.launch import write_inventory

JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.")


def credential_env(emulator) -> dict:
    """What the 'Microsoft Entra PIM' credential type injects (plus the emulator's CA, a file in AWX too)."""
    info = emulator.info
    return {"AZURE_CLIENT_ID": emulator.scanner["client_id"], "AZURE_CLIENT_SECRET": emulator.scanner["client_secret"],
            "AZURE_AUTHORITY_HOST": info["authority_host"], "ENTRA_PIM_GRAPH_URL": info["graph_url"],
            "ENTRA_PIM_CA_BUNDLE": info["ca_bundle"]}


def private_data_dir(tmp: Path, emulator) -> Path:
    pdd = tmp / "job"
    shutil.copytree(ROOT / "playbooks", pdd / "project", ignore=shutil.ignore_patterns("*.retry"))
    (pdd / "inventory").mkdir(parents=True)
    # No credentials on the hosts: AWX injects them as environment variables (env/envvars below).
    write_inventory(emulator.info, pdd / "inventory" / "hosts.yml", None, {
        "compliance_excluded_principals": ["breakglass1@{{ entra_tenant_domain }}",
                                           "breakglass2@{{ entra_tenant_domain }}"]})
    (pdd / "env").mkdir()
    # In AWX the EE provides ansible-playbook and the collection; here our venv and the .build link do.
    env = credential_env(emulator) | {"ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
                                      "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    (pdd / "env" / "envvars").write_text(json.dumps(env))
    (pdd / "env" / "extravars").write_text(json.dumps({"compliance_report_dir": str(tmp / "reports")}))
    (pdd / "env" / "cmdline").write_text("--check --forks 5")
    return pdd


@pytest.fixture(scope="module")
def scan(msp_emulator, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("awx")
    pdd = private_data_dir(tmp, msp_emulator)
    msp_emulator.admin("reset", {})
    started = time.time()
    result = ansible_runner.run(private_data_dir=str(pdd), playbook="compliance_scan.yml", quiet=True)
    elapsed = time.time() - started
    stats = msp_emulator.admin("stats")
    print(f"\nscan of {len(msp_emulator.info['tenants'])} tenants: {elapsed:.1f}s wall, {stats['requests']} Graph "
          f"requests ({stats['requests'] / len(msp_emulator.info['tenants']):.1f} per tenant), "
          f"{stats['token_requests']} token requests")
    return {"result": result, "pdd": pdd, "tmp": tmp, "stats": stats}


def test_scan_succeeds_and_writes_nothing(scan):
    result = scan["result"]
    assert result.status == "successful", result.stdout.read()
    assert scan["stats"]["writes"] == 0


def test_artifacts_hold_per_tenant_results(scan, msp_emulator):
    stats_event = next(e for e in scan["result"].events if e["event"] == "playbook_on_stats")
    artifacts = stats_event["event_data"]["artifact_data"]["entra_pim_compliance"]
    tenants = {t["id"]: t["name"] for t in msp_emulator.info["tenants"]}
    assert set(artifacts) == set(tenants)
    by_name = {v["tenant"]: v for v in artifacts.values()}
    contoso = by_name["contoso"]
    assert contoso["compliant"] is False
    # contoso's 6 Global Administrators: CISA's 2 to 8 holds (as ScubaGear decides), CIS 1.1.3's 2 to 4 does not.
    assert {"CIS.1.1.3", "MS.AAD.7.4", "MS.AAD.7.5", "MS.AAD.7.6"} <= set(contoso["failed"])
    assert "MS.AAD.7.1" not in contoso["failed"]
    assert "MS.AAD.7.1" not in by_name["fabrikam"]["failed"]
    # Every control of the scan is in the summary, each once (pass, fail or not applicable).
    assert sum(contoso["summary"].values()) == len(CONTROLS)
    # The same data ansible-runner hands AWX as job artifacts
    assert scan["result"].stats is not None


def test_reports_written_per_tenant_and_rolled_up(scan, msp_emulator):
    reports = scan["tmp"] / "reports"
    for tenant in msp_emulator.info["tenants"]:
        for ext in ("json", "md", "html", "xml"):
            assert (reports / f"{tenant['id']}.{ext}").is_file()
    rolled = json.loads((reports / "all-tenants.json").read_text())
    assert sorted(r["tenant"] for r in rolled) == ["contoso", "fabrikam", "northwind"]
    assert "<table>" in (reports / "all-tenants.html").read_text()


def test_no_secret_in_any_artifact_or_event(scan, msp_emulator):
    secrets_ = [msp_emulator.scanner["client_secret"], msp_emulator.info["admin_token"]]
    secrets_ += [a["client_secret"] for t in msp_emulator.info["tenants"] for a in t["apps"] if a.get("client_secret")]
    artifacts = scan["pdd"] / "artifacts"
    texts = [json.dumps(e) for e in scan["result"].events]
    # ansible-runner's own launch record ("command": argv, cwd and the process environment, which holds
    # the injected credential by design) is private to the job (0600) and never an AWX artifact or event.
    launch_records = list(artifacts.glob("*/command"))
    assert launch_records and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in launch_records)
    texts += [p.read_text(errors="replace") for p in artifacts.rglob("*") if p.is_file() and p.name != "command"]
    texts += [p.read_text(errors="replace") for p in (scan["tmp"] / "reports").rglob("*") if p.is_file()]
    for text in texts:
        for secret in secrets_:
            assert secret not in text
        assert not JWT.search(text), "an access token leaked"
