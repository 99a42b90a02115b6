# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since the last scan (issue 15 item 3), end to end through ansible-runner as AWX runs the scan.

The weekly job scans every tenant into its report folder; between two scans someone gives a user a standing
(permanent active) Global Administrator assignment in the tidy tenant fabrikam, through the collection's own
module; the next scan runs with ``compliance_previous`` pointing at the same folder (read before it is
rewritten). The change must appear in every format that carries it: each tenant's JSON under ``changes``, the
all-tenants JSON, HTML (at the top) and Markdown, fabrikam's own HTML and Markdown; JUnit stays the current state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import ansible_runner
import pytest
from conftest import COLLECTIONS
from test_runner_scan import private_data_dir

from ansible_collections.entra.pim.plugins.filter.pim_report import to_junit
from pim_emulator.launch import write_inventory

GA = "62e90394-69f5-4237-9190-012177145e10"
TENANT = "fabrikam"
USER = "judy.apps"


def scan_job(pdd: Path, extravars: dict):
    (pdd / "env" / "extravars").write_text(json.dumps(extravars))
    result = ansible_runner.run(private_data_dir=str(pdd), playbook="compliance_scan.yml", quiet=True)
    assert result.status == "successful", result.stdout.read()[-6000:]
    return result


def make_standing_global_administrator(emulator, tmp: Path, domain: str) -> None:
    """What an administrator does between two scans, with the collection's module and the admin app."""
    inv = write_inventory(emulator.info, tmp / "admin-inventory.yml", "pim-admin", python=sys.executable)
    play = tmp / "standing_ga.yml"
    play.write_text(f"""---
- name: Give a user a standing Global Administrator assignment
  hosts: {TENANT}
  gather_facts: false
  module_defaults:
    group/entra.pim.all: "{{{{ entra_pim_auth | combine({{'tenant_id': entra_tenant_id}}) }}}}"
  tasks:
    - name: Assign Global Administrator permanently
      entra.pim.pim_active_assignment:
        principal: {USER}@{domain}
        role: Global Administrator
        permanent: true
        justification: Between two scans
""")
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_NOCOLOR": "1"}
    done = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), str(play)],
                          env=env, cwd=tmp, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def two_scans(msp_emulator, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("since")
    msp_emulator.admin("reset", {})
    tenant = next(t for t in msp_emulator.info["tenants"] if t["name"] == TENANT)
    pdd = private_data_dir(tmp, msp_emulator)
    reports = tmp / "reports"
    try:
        scan_job(pdd, {"compliance_report_dir": str(reports)})
        first = {p.name: p.read_bytes() for p in reports.iterdir()}
        make_standing_global_administrator(msp_emulator, tmp, tenant["domain"])
        state = msp_emulator.admin(f"tenants/{tenant['id']}/state")["data"]
        user_id = next(u["id"] for u in state["users"].values() if u["userPrincipalName"].startswith(USER + "@"))
        held = [s for key, coll in state.items() if "assignmentschedule" in key.lower() and isinstance(coll, dict)
                for s in coll.values() if isinstance(s, dict) and s.get("principalId") == user_id
                and s.get("roleDefinitionId") == GA]
        shutil.rmtree(pdd / "artifacts", ignore_errors=True)
        second = scan_job(pdd, {"compliance_report_dir": str(reports), "compliance_previous": str(reports)})
    finally:
        msp_emulator.admin("reset", {})  # the next test module finds the seed as it was
    return {"reports": reports, "first": first, "tenant": tenant, "held": held, "result": second}


def test_the_emulator_holds_the_change(two_scans):
    assert two_scans["held"], "the standing Global Administrator assignment was not made"


def test_every_format_that_carries_it_shows_the_change(two_scans):
    reports, tenant = two_scans["reports"], two_scans["tenant"]
    principal = f"{USER}@{tenant['domain']}"
    everything = json.loads((reports / "all-tenants.json").read_text(encoding="utf-8"))
    by_name = {r["tenant"]: r for r in everything}
    change = by_name[TENANT]["changes"]
    assert change["status"] == "worse"
    assert {(a["role"], a["principal"]) for a in change["standing_added"]} == {("Global Administrator", principal)}
    assert change["newly_passing"] == [] and change["standing_removed"] == []
    assert {r["tenant"]: r["changes"]["status"] for r in everything} == {
        name: ("worse" if name == TENANT else "same") for name in by_name}
    first = {r["tenant_id"]: r for r in json.loads(two_scans["first"]["all-tenants.json"])}
    for report in everything:  # every field of the previous scan's JSON is still there, one key added
        assert set(report) == set(first[report["tenant_id"]]) | {"changes"}
    own = json.loads((reports / f"{tenant['id']}.json").read_text(encoding="utf-8"))
    assert own[0]["changes"] == change

    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")  # both scans ran today
    page = (reports / "all-tenants.html").read_text(encoding="utf-8")
    assert f"Since {day}: 1 tenant(s) got worse, 0 better</b>." in page
    assert page.index("got worse") < page.index("<table class='m'>")  # at the top
    assert f"Global Administrator: {principal}" in page
    markdown = (reports / "all-tenants.md").read_text(encoding="utf-8")
    assert f"**Since {day}: 1 tenant(s) got worse, 0 better**." in markdown
    assert f"| {TENANT} | worse | " in markdown and f"{principal} as Global Administrator" in markdown
    tenant_md = (reports / f"{tenant['id']}.md").read_text(encoding="utf-8")
    assert ": worse" in tenant_md and "1 standing privileged assignment(s) added" in tenant_md
    tenant_html = (reports / f"{tenant['id']}.html").read_text(encoding="utf-8")
    assert "1 tenant(s) got worse" in tenant_html and "gone" not in tenant_html.split("<table class='m'>")[0]


def test_junit_stays_the_current_state(two_scans):
    reports = two_scans["reports"]
    current = json.loads((reports / "all-tenants.json").read_text(encoding="utf-8"))
    xml = (reports / "all-tenants.xml").read_text(encoding="utf-8")
    assert xml == to_junit([{k: v for k, v in r.items() if k != "changes"} for r in current])
    assert "since" not in xml.lower() and "worse" not in xml
