# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant data never becomes controller code, nor markup, nor terminal commands (issue 17 item 1, issue 14).

A tenant whose administrator named groups, an app and a user with Jinja payloads (each would create a marker
file on the controller if Ansible ever evaluated it), HTML, an ANSI escape, and a group named like a
break-glass UPN. The emulator's admin API cannot create or rename directory objects, so the tenant comes from
a seed file. Then, as an operator would:

1. a setup play makes the payload groups Global Administrator approvers and a payload address a recipient;
2. ``playbooks/export.yml`` exports the tenant (the file must carry every string as ``!unsafe``);
3. the settings are changed, and the export is applied back with ``-e @export/<tenant>.yml``, through
   ``playbooks/baseline.yml`` (as export.yml's header says) and through ``pim_role_setting``'s role_settings;
4. ``playbooks/compliance_scan.yml`` runs through ansible-runner as AWX runs it.

No marker file may exist at the end, and the emulator must hold the literal names (the approvers are the
payload groups' object ids, the recipient is the payload text): an evaluated template would have produced
other names, unknown groups or other addresses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.dom import minidom

import ansible_runner
import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import is_trusted_as_template
from conftest import COLLECTIONS, ROOT, link_collection

from pim_emulator.launch import start, write_inventory

GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
DOMAIN = "contoso.onmicrosoft.com"
ESC_GROUP = "Ops \x1b[31m| Tier0 | `x` [link](javascript:alert(1)) <img src=x onerror=alert(1)>"
IMPOSTOR = f"breakglass1@{DOMAIN}"  # a group, named like the break-glass account
RECIPIENT = "soc{{7*7}}@contoso.com"  # no spaces: the modules accept it as an address


def payload(marker: Path) -> str:
    return f"{{{{ lookup('pipe', 'touch {marker}') }}}}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An emulator whose one tenant carries the payloads, and the paths of the marker files."""
    tmp = tmp_path_factory.mktemp("inert")
    markers = {kind: tmp / f"marker-{kind}" for kind in ("group", "app", "user", "approver2")}
    names = {
        "approvers": f"Approvers {payload(markers['group'])}",
        "approvers2": f"{{% raw %}}x{{% endraw %}} {payload(markers['approver2'])} ]]></failure><injected/>",
        "app": f"ops {payload(markers['app'])}",
        "user": f"Eve {payload(markers['user'])}",
    }
    seed = tmp / "seed.json"
    subprocess.run([sys.executable, "-m", "pim_emulator", "default-seed", "--out", str(seed)], check=True)
    tenant = json.loads(seed.read_text())["tenants"][0]
    assert tenant["name"] == "contoso"
    tenant["groups"] += [
        {"displayName": names["approvers"], "isAssignableToRole": True, "members": ["grace.approver"]},
        {"displayName": names["approvers2"], "isAssignableToRole": True, "members": ["alice.admin"]},
        {"displayName": ESC_GROUP, "isAssignableToRole": True, "members": ["bob.secops"]},
        {"displayName": IMPOSTOR, "isAssignableToRole": True, "members": ["trent.dev"]},
    ]
    tenant["users"].append({"name": "eve.hostile", "displayName": names["user"], "mfa": True})
    tenant["apps"].append({"name": names["app"], "permissions": []})
    tenant["assignments"] += [
        {"principal": "group:" + IMPOSTOR, "role": "Global Administrator", "kind": "active", "permanent": True},
        {"principal": "group:" + ESC_GROUP, "role": "Privileged Role Administrator", "kind": "active",
         "permanent": True},
        {"principal": "app:" + names["app"], "role": "Application Administrator", "kind": "active",
         "permanent": True},
        {"principal": "eve.hostile", "role": "Security Administrator", "kind": "active", "permanent": True},
    ]
    seed.write_text(json.dumps({"tenants": [tenant]}))
    link_collection()
    with start(tmp / "emulator", ["--seed", str(seed)]) as emulator:
        yield {"emulator": emulator, "tmp": tmp, "markers": markers, "names": names}


def inventory(tmp: Path, emulator) -> Path:
    return write_inventory(emulator.info, tmp / "inventory.yml", "pim-admin", python=sys.executable)


def playbook(tmp: Path, inv: Path, play: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_LOCALHOST_WARNING": "0",
           "ANSIBLE_RETRY_FILES_ENABLED": "0"}
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), str(play), *args],
                            env=env, cwd=tmp, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
    return result


def set_approvers_play(tmp: Path, name: str, approvers: list[str], recipients: list[str]) -> Path:
    """A play setting Global Administrator's approvers and activation alert recipients. The names are
    written as !unsafe, the way a careful author passes literal text."""
    def unsafe(value: str) -> str:
        return "!unsafe " + json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar

    path = tmp / f"{name}.yml"
    path.write_text(f"""---
- name: {name}
  hosts: entra_tenants
  gather_facts: false
  module_defaults:
    group/entra.pim.all: "{{{{ entra_pim_auth | combine({{'tenant_id': entra_tenant_id}}) }}}}"
  tasks:
    - name: Set the approvers
      entra.pim.pim_role_setting:
        roles: [Global Administrator]
        activation:
          require_approval: true
          approvers: [{", ".join(unsafe(a) for a in approvers)}]
        notifications:
          activation:
            admin:
              recipients: [{", ".join(unsafe(r) for r in recipients)}]
""")
    return path


def ga_policy(emulator) -> dict:
    tenant = emulator.info["tenants"][0]
    state = emulator.admin(f"tenants/{tenant['id']}/state")["data"]
    policy = next(p for p in state["roleManagementPolicies"].values() if p["_roleDefinitionId"] == GA)
    rules = {r["id"]: r for r in policy["_rules"]}
    stage = rules["Approval_EndUser_Assignment"]["setting"]["approvalStages"][0]
    approvers = {s.get("groupId") or s.get("userId") or s.get("id") for s in stage["primaryApprovers"]}
    recipients = rules["Notification_Admin_EndUser_Assignment"]["notificationRecipients"]
    return {"approvers": approvers, "recipients": [r.lower() for r in recipients], "state": state}


def group_id(state: dict, name: str) -> str:
    return next(g["id"] for g in state["groups"].values() if g["displayName"] == name)


@pytest.fixture(scope="module")
def export_and_apply(hostile):
    emulator, tmp, names = hostile["emulator"], hostile["tmp"], hostile["names"]
    inv = inventory(tmp, emulator)
    approvers = ["group:" + names["approvers"], "group:" + names["approvers2"], f"grace.approver@{DOMAIN}"]
    playbook(tmp, inv, set_approvers_play(tmp, "hostile_approvers", approvers, [RECIPIENT]))
    before = ga_policy(emulator)
    export_dir = tmp / "export"
    exported = playbook(tmp, inv, ROOT / "playbooks" / "export.yml", "-e", json.dumps({"export_dir": str(export_dir)}))
    # Someone changes the tenant; the export is applied back, both ways export.yml's header gives.
    playbook(tmp, inv, set_approvers_play(tmp, "plain_approvers", ["group:PIM-Approvers-Tier0"], ["soc@contoso.com"]))
    changed = ga_policy(emulator)
    baseline_vars = {"baseline_tier0_approvers": ["group:PIM-Approvers-Tier0"],
                     "baseline_alert_mailbox": ["soc@contoso.com"],
                     "baseline_activation_alert_mailbox": ["pim-activations@contoso.com"]}
    applied = playbook(tmp, inv, ROOT / "playbooks" / "baseline.yml", "-e", json.dumps(baseline_vars),
                       "-e", f"@{export_dir / 'contoso.yml'}")
    after_baseline = ga_policy(emulator)
    playbook(tmp, inv, set_approvers_play(tmp, "plain_again", ["group:PIM-Approvers-Tier0"], ["soc@contoso.com"]))
    direct = tmp / "apply_export.yml"
    direct.write_text("""---
- name: Apply an export as it is
  hosts: entra_tenants
  gather_facts: false
  module_defaults:
    group/entra.pim.all: "{{ entra_pim_auth | combine({'tenant_id': entra_tenant_id}) }}"
  tasks:
    - name: Apply the exported role settings in one call
      entra.pim.pim_role_setting:
        role_settings: "{{ pim_role_settings }}"
""")
    playbook(tmp, inv, direct, "-e", f"@{export_dir / 'contoso.yml'}")
    after_direct = ga_policy(emulator)
    return {"export": (export_dir / "contoso.yml").read_text(encoding="utf-8"),
            "export_file": export_dir / "contoso.yml", "before": before, "changed": changed,
            "after_baseline": after_baseline, "after_direct": after_direct,
            "outputs": [exported.stdout, applied.stdout]}


def test_the_export_carries_every_tenant_string_as_unsafe(hostile, export_and_apply):
    """Loaded as ansible-playbook loads ``-e @file``: every name is there, exactly, and not one string is a
    template."""
    text = export_and_apply["export"]
    assert "!unsafe" in text
    loader = DataLoader()
    data = loader.load_from_file(str(export_and_apply["export_file"]), trusted_as_template=True)
    ga = next(r for r in data["baseline_role_settings"] if r["id"] == GA)
    names = hostile["names"]
    settings = ga["settings"]
    assert {"group:" + names["approvers"], "group:" + names["approvers2"]} <= set(settings["activation"]["approvers"])
    assert RECIPIENT.lower() in [r.lower() for r in settings["notifications"]["activation"]["admin"]["recipients"]]
    # Option-name keys stay plain (readable, and nothing to template); every value is text only.
    trusted = [s for s in strings(data) if is_trusted_as_template(s)]
    assert not trusted, trusted[:5]


def strings(data):
    """Every string value, and every key that is not a plain option name."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                yield key
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)
    elif isinstance(data, str):
        yield data


def test_applying_the_export_keeps_the_names_literal(hostile, export_and_apply):
    result = export_and_apply
    state = result["before"]["state"]
    hostile_ids = {group_id(state, hostile["names"]["approvers"]), group_id(state, hostile["names"]["approvers2"])}
    assert hostile_ids <= result["before"]["approvers"]
    assert not hostile_ids & result["changed"]["approvers"]  # the change between export and apply happened
    # Applied back: the very groups with the payload names, and the payload address, as text.
    assert hostile_ids <= result["after_baseline"]["approvers"]
    assert hostile_ids <= result["after_direct"]["approvers"]
    for key in ("before", "after_baseline", "after_direct"):
        assert RECIPIENT.lower() in result[key]["recipients"], key
        assert "soc49@contoso.com" not in result[key]["recipients"]


def test_no_payload_ran(hostile, export_and_apply):
    assert not [m for m in hostile["markers"].values() if m.exists()]


@pytest.fixture(scope="module")
def scan(hostile, export_and_apply):
    """The compliance scan through ansible-runner, after export and apply (the markers must still be absent)."""
    emulator, tmp = hostile["emulator"], hostile["tmp"]
    tenant = emulator.info["tenants"][0]
    scanner = next(a for a in tenant["apps"] if a["name"] == "pim-reader")
    pdd = tmp / "job"
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "env").mkdir()
    shutil.copytree(ROOT / "playbooks", pdd / "project", ignore=shutil.ignore_patterns("*.retry"))
    write_inventory(emulator.info, pdd / "inventory" / "hosts.yml", None, {
        "compliance_excluded_principals": [f"breakglass1@{DOMAIN}", f"breakglass2@{DOMAIN}"]}, python=sys.executable)
    info = emulator.info
    (pdd / "env" / "envvars").write_text(json.dumps({
        "AZURE_CLIENT_ID": scanner["client_id"], "AZURE_CLIENT_SECRET": scanner["client_secret"],
        "AZURE_AUTHORITY_HOST": info["authority_host"], "ENTRA_PIM_GRAPH_URL": info["graph_url"],
        "ENTRA_PIM_CA_BUNDLE": info["ca_bundle"], "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}))
    (pdd / "env" / "extravars").write_text(json.dumps({"compliance_report_dir": str(tmp / "reports"),
                                                       "compliance_fail_on_noncompliant": True}))
    (pdd / "env" / "cmdline").write_text("--check")
    result = ansible_runner.run(private_data_dir=str(pdd), playbook="compliance_scan.yml", quiet=True)
    return {"result": result, "stdout": result.stdout.read(), "reports": tmp / "reports", "tenant": tenant}


def test_scan_reports_are_inert_and_parse(hostile, scan):
    # compliance_fail_on_noncompliant: the play fails for this tenant, after writing its reports
    assert scan["result"].status == "failed"
    # contoso's Global Administrators (the seed's 6 and the impostor group's member) exceed CIS 1.1.3's 2 to 4
    assert re.search(r"fails [A-Z0-9., -]*CIS\.1\.1\.3, ", scan["stdout"])
    reports = scan["reports"]
    for path in sorted(reports.glob("*.xml")):
        ET.parse(path)  # noqa: S314 - our own output
        minidom.parse(str(path))  # noqa: S318
    assert (reports / "all-tenants.xml").exists()
    html_text = (reports / "all-tenants.html").read_text(encoding="utf-8")
    markdown = (reports / f"{scan['tenant']['id']}.md").read_text(encoding="utf-8")
    assert "\x1b" not in html_text and "\x1b" not in markdown
    assert "<img" not in html_text and "&lt;img src=x onerror=alert(1)&gt;" in html_text  # text, not an element
    assert not re.search(r"(?<!\\)<img", markdown) and "\\<img src=x" in markdown  # backslash-escaped
    assert "](javascript" not in markdown and "\\]\\(javascript\\:" in markdown  # no link, just its characters
    data = json.loads((reports / "all-tenants.json").read_text(encoding="utf-8"))
    c74 = next(c for c in data[0]["controls"] if c["id"] == "MS.AAD.7.4")
    found = {(f["principal"], f["status"]) for f in c74["findings"]}
    # the group named like a break-glass UPN is not exempt; the break-glass users are. Since issue 12 the scan reads
    # the group's membership: the group's own permanent row is shown (pass, "its members are evaluated one by one")
    # and its member trent.dev, a permanent plain member, fails through it, the impostor name in the path.
    group_rows = [f for f in c74["findings"] if f["principal"] == IMPOSTOR and f.get("detail", "").startswith("group")]
    assert [f["status"] for f in group_rows] == ["pass"]
    via = [f for f in c74["findings"] if f["status"] == "fail" and f["principal"] == f"trent.dev@{DOMAIN}"]
    assert [f["detail"] for f in via] == [
        f"Global Administrator via group {IMPOSTOR} (active member, added outside PIM)"]
    assert {(f"breakglass1@{DOMAIN}", "exempt"), (f"breakglass2@{DOMAIN}", "exempt")} <= found
    assert (hostile["names"]["app"], "fail") in found  # the payload app's name, as text


def test_scan_artifacts_and_console_are_inert(hostile, scan):
    assert not [m for m in hostile["markers"].values() if m.exists()]
    stats = next(e for e in scan["result"].events if e["event"] == "playbook_on_stats")
    artifacts = stats["event_data"]["artifact_data"]["entra_pim_compliance"]
    summary = artifacts[scan["tenant"]["id"]]
    assert summary["tenant"] == "contoso" and summary["compliant"] is False
    assert "MS.AAD.7.4" in summary["failed"]
    # Nothing the tenant named reaches the artifacts, and no terminal escape reaches the job output.
    blob = json.dumps(artifacts)
    assert "lookup" not in blob and "Approvers" not in blob
    assert "\x1b" not in scan["stdout"]
    for output in [scan["stdout"], *[json.dumps(e) for e in scan["result"].events]]:
        assert "\x1b[31m" not in output
