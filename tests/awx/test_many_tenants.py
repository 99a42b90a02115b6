# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An MSP's main job: 20 tenants scanned by 20 forks into one report folder that does not exist yet.

Before the report writer tolerated concurrent creation, forks racing to create the folder failed a tenant at
random ("[Errno 17] File exists"), issue 14 item 1. The outcome asserted here does not depend on how the race
falls: every tenant's four reports and the roll-up are there, complete and parseable, and the job succeeded.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import ansible_runner
import pytest
from conftest import COLLECTIONS, ROOT, link_collection

from pim_emulator.launch import start, tenant_hosts, write_inventory

TENANTS = 20
SCANNER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "entra.pim/tests/awx/msp-scanner-20"))


@pytest.fixture(scope="module")
def twenty(tmp_path_factory):
    """The default seed's three tenants, repeated under 20 names, one read-only app shared by all (as AWX)."""
    workdir = tmp_path_factory.mktemp("twenty")
    seed = workdir / "seed.json"
    subprocess.run([sys.executable, "-m", "pim_emulator", "default-seed", "--out", str(seed)], check=True)
    base = json.loads(seed.read_text())["tenants"]
    secret = "msp-" + secrets.token_urlsafe(24)
    tenants = []
    for i in range(TENANTS):
        tenant = copy.deepcopy(base[i % len(base)])
        tenant["name"] = f"tenant{i:02d}"
        reader = [a for a in tenant["apps"] if a["name"] == "pim-reader"][0]
        tenant["apps"].append({"name": "msp-scanner", "client_id": SCANNER_ID, "client_secret": secret,
                               "permissions": reader["permissions"]})
        tenants.append(tenant)
    seed.write_text(json.dumps({"tenants": tenants}))
    link_collection()
    with start(workdir, ["--seed", str(seed)]) as emulator:
        emulator.scanner = {"client_id": SCANNER_ID, "client_secret": secret}
        yield emulator


def test_twenty_forks_scan_twenty_tenants_into_one_fresh_folder(twenty, tmp_path):
    info = twenty.info
    assert len(info["tenants"]) == TENANTS
    pdd = tmp_path / "job"
    shutil.copytree(ROOT / "playbooks", pdd / "project", ignore=shutil.ignore_patterns("*.retry"))
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "env").mkdir()
    hosts = tenant_hosts(info, None)  # no credentials: AWX injects them as environment variables
    write_inventory(info, pdd / "inventory" / "hosts.yml", None)
    (pdd / "env" / "envvars").write_text(json.dumps({
        "AZURE_CLIENT_ID": twenty.scanner["client_id"], "AZURE_CLIENT_SECRET": twenty.scanner["client_secret"],
        "AZURE_AUTHORITY_HOST": info["authority_host"], "ENTRA_PIM_GRAPH_URL": info["graph_url"],
        "ENTRA_PIM_CA_BUNDLE": info["ca_bundle"], "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}))
    reports = tmp_path / "fresh" / "nested" / "reports"  # none of it exists: every fork creates it at once
    (pdd / "env" / "extravars").write_text(json.dumps({"compliance_report_dir": str(reports)}))
    (pdd / "env" / "cmdline").write_text(f"--check --forks {TENANTS}")
    twenty.admin("stats/reset", {})

    result = ansible_runner.run(private_data_dir=str(pdd), playbook="compliance_scan.yml", quiet=True)

    assert result.status == "successful", result.stdout.read()[-6000:]
    assert twenty.admin("stats")["writes"] == 0
    stats = next(e for e in result.events if e["event"] == "playbook_on_stats")
    assert len(stats["event_data"]["artifact_data"]["entra_pim_compliance"]) == TENANTS
    expected = {f"{b}.{ext}" for b in [t["id"] for t in info["tenants"]] + ["all-tenants"]
                for ext in ("json", "md", "html", "xml")}
    assert set(os.listdir(reports)) == expected  # and no temporary file left behind
    for tenant in info["tenants"]:
        assert json.loads((reports / f"{tenant['id']}.json").read_text())[0]["tenant_id"] == tenant["id"]
        ET.parse(reports / f"{tenant['id']}.xml")  # noqa: S314 - our own output
    rolled = json.loads((reports / "all-tenants.json").read_text())
    assert sorted(r["tenant"] for r in rolled) == sorted(hosts)
    assert len(ET.parse(reports / "all-tenants.xml").getroot().findall("testsuite")) == TENANTS  # noqa: S314
