# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX job slicing, then one roll-up: playbooks/compliance_rollup.yml over the slices' per-tenant reports.

A sliced job template (job_slice_count = n) runs n jobs, each on a part of the inventory: AWX orders the
inventory's hosts by name and gives slice k (1-based) the hosts k-1, k-1+n, k-1+2n... (``hosts[k-1::n]``).
Here four slices of 40 tenants run through ansible-runner with ``--limit`` set to those hosts, at the same
time, into one shared report folder, as the slices of an AWX workflow would. The roll-up then builds the
all-tenants reports from that folder, and they must match an unsliced scan of the same 160 tenants byte for
byte once each tenant's ``generated`` timestamp (when its own scan ran) is masked.

Cost, on 2 shared cores: the 160 tenants are generated with few principals, no Graph latency, and every scan
is the collection's own playbook; the roll-up itself starts no module process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import ansible_runner
import pytest
from conftest import COLLECTIONS, ROOT, link_collection

from pim_emulator.launch import DEFAULT_SEED_VARS, start, write_inventory

TENANTS, SLICES = 160, 4
FORMATS = ("json", "md", "html", "xml")


def awx_slices(hosts: list[str], count: int) -> list[list[str]]:
    """The hosts of each slice as AWX computes them: ordered by name, slice k takes hosts[k-1::count]."""
    ordered = sorted(hosts)
    return [ordered[k::count] for k in range(count)]


def job_dir(tmp: Path, name: str, info: dict, reports: Path, cmdline: str) -> Path:
    """A private data dir as AWX writes one: the project, one host per tenant, extra vars, the command line."""
    pdd = tmp / name
    shutil.copytree(ROOT / "playbooks", pdd / "project", ignore=shutil.ignore_patterns("*.retry"))
    (pdd / "inventory").mkdir(parents=True)
    write_inventory(info, pdd / "inventory" / "hosts.yml", "pim-reader", DEFAULT_SEED_VARS)
    (pdd / "env").mkdir()
    (pdd / "env" / "envvars").write_text(json.dumps({
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}))
    (pdd / "env" / "extravars").write_text(json.dumps({"compliance_report_dir": str(reports)}))
    (pdd / "env" / "cmdline").write_text(cmdline)
    return pdd


def artifacts(result) -> dict:
    stats = next(e for e in result.events if e["event"] == "playbook_on_stats")
    return stats["event_data"]["artifact_data"].get("entra_pim_compliance", {})


@pytest.fixture(scope="module")
def sliced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rollup")
    link_collection()
    with start(tmp / "emulator", ["--tenants", str(TENANTS), "--principals", "8"], timeout=300) as emulator:
        info = emulator.info
        hosts = [t["name"] for t in info["tenants"]]
        shared, unsliced = tmp / "shared", tmp / "unsliced"
        # The slices one after the other (AWX may run them at once; the report writer is safe for that, see
        # test_many_tenants.py; run here in turn, since forking from threads risks deadlocks in the test process).
        slices = []
        for k, part in enumerate(awx_slices(hosts, SLICES), start=1):
            pdd = job_dir(tmp, f"slice{k}", info, shared, f"--check --forks 10 --limit {','.join(part)}")
            slices.append(ansible_runner.run(private_data_dir=str(pdd), playbook="compliance_scan.yml", quiet=True))
        whole = ansible_runner.run(private_data_dir=str(job_dir(tmp, "unsliced", info, unsliced, "--check --forks 20")),
                                   playbook="compliance_scan.yml", quiet=True)
        writes = emulator.admin("stats")["writes"]
    merged = {}
    for runner in slices:
        merged.update(artifacts(runner))  # what the slices published; keyed by tenant id, so no collisions
    return {"tmp": tmp, "info": info, "hosts": hosts, "shared": shared, "unsliced": unsliced, "slices": slices,
            "whole": whole, "writes": writes, "artifacts": merged}


def rollup(sliced, name: str, reports: Path, extra: dict | None = None):
    pdd = job_dir(sliced["tmp"], name, sliced["info"], reports, "")
    extravars = json.loads((pdd / "env" / "extravars").read_text()) | (extra or {})
    (pdd / "env" / "extravars").write_text(json.dumps(extravars))
    return ansible_runner.run(private_data_dir=str(pdd), playbook="compliance_rollup.yml", quiet=True)


def masked(folder: Path, basename: str) -> dict[str, str]:
    """Each format of a report, with every tenant's ``generated`` (when its scan ran) replaced by a mark."""
    stamps = {r["generated"] for r in json.loads((folder / f"{basename}.json").read_text())}
    # As each format writes it: Markdown escapes the colons (14\\:25\\:12Z), HTML and XML do not.
    written = re.compile("|".join("".join(c if c.isalnum() else r"\\?" + re.escape(c) for c in stamp)
                                  for stamp in sorted(stamps)))
    return {ext: written.sub("<generated>", (folder / f"{basename}.{ext}").read_text()) for ext in FORMATS}


def test_slices_scan_their_part_only(sliced):
    for runner in sliced["slices"]:
        assert runner.status == "successful", runner.stdout.read()[-4000:]
        assert len(artifacts(runner)) == TENANTS // SLICES
    assert sliced["whole"].status == "successful", sliced["whole"].stdout.read()[-4000:]
    assert sliced["writes"] == 0
    # Every slice wrote its own all-tenants report into the shared folder; none of them holds every tenant.
    last = json.loads((sliced["shared"] / "all-tenants.json").read_text())
    assert len(last) == TENANTS // SLICES


def test_rollup_matches_an_unsliced_scan(sliced):
    result = rollup(sliced, "rollup", sliced["shared"], {"entra_pim_compliance": sliced["artifacts"]})
    assert result.status == "successful", result.stdout.read()[-4000:]
    rolled = json.loads((sliced["shared"] / "all-tenants.json").read_text())
    assert [r["tenant"] for r in rolled] == sliced["hosts"]  # every tenant, in inventory order
    assert len(rolled) == TENANTS
    ours, theirs = masked(sliced["shared"], "all-tenants"), masked(sliced["unsliced"], "all-tenants")
    for ext in FORMATS:
        assert ours[ext] == theirs[ext], f"all-tenants.{ext} differs from the unsliced scan's"


def test_rollup_names_a_missing_tenant_and_fails(sliced):
    """A slice that failed for a tenant leaves no report: the roll-up is written without it, then fails naming it.
    A tenant the artifacts list but the folder lacks counts as missing too; a stale report does not count."""
    folder = sliced["tmp"] / "partial"
    shutil.copytree(sliced["shared"], folder)
    gone = sliced["info"]["tenants"][3]
    (folder / f"{gone['id']}.json").unlink()
    stale = sliced["info"]["tenants"][5]
    doc = json.loads((folder / f"{stale['id']}.json").read_text())
    doc[0]["generated"] = "2020-01-01T00:00:00Z"
    (folder / f"{stale['id']}.json").write_text(json.dumps(doc))

    listed = {**sliced["artifacts"], "00000000-0000-0000-0000-00000000dead": {"tenant": "ghost-tenant"}}
    result = rollup(sliced, "rollup-partial", folder, {"entra_pim_compliance": listed})

    assert result.status == "failed"
    failure = next(e for e in result.events if e["event"] == "runner_on_failed")
    assert gone["name"] in failure["event_data"]["res"]["msg"]
    assert stale["name"] in failure["event_data"]["res"]["msg"]
    assert "ghost-tenant" in failure["event_data"]["res"]["msg"]
    rolled = json.loads((folder / "all-tenants.json").read_text())
    assert [r["tenant"] for r in rolled] == [h for h in sliced["hosts"] if h not in (gone["name"], stale["name"])]

    allowed = rollup(sliced, "rollup-partial-allowed", folder, {"compliance_rollup_require_all": False,
                                                                "compliance_rollup_max_age_hours": 0})
    assert allowed.status == "successful"
    assert len(json.loads((folder / "all-tenants.json").read_text())) == TENANTS - 1  # the old one, now taken
