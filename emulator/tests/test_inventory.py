"""`python -m pim_emulator inventory`: from a ready file to an inventory Ansible accepts as written."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from emu_harness import EMULATOR_DIR

ANSIBLE_BIN = Path(sys.executable).parent
needs_ansible = pytest.mark.skipif(not (ANSIBLE_BIN / "ansible-inventory").exists() and
                                   not shutil.which("ansible-inventory"), reason="ansible-core is not installed")


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(EMULATOR_DIR)}
    return subprocess.run([sys.executable, "-m", "pim_emulator", *args], capture_output=True, text=True,  # noqa: S603
                          env=env, check=False, timeout=120)


def _ansible(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = ANSIBLE_BIN / tool if (ANSIBLE_BIN / tool).exists() else shutil.which(tool)
    env = {**os.environ, "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
           "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, cwd=cwd,  # noqa: S603
                          check=False, timeout=300)


def _ready(emu, tmp_path: Path) -> Path:
    path = tmp_path / "ready.json"
    path.write_text(json.dumps(emu.ready))
    return path


@needs_ansible
def test_the_inventory_of_a_running_emulator_is_what_ansible_inventory_lists(emu, tmp_path):
    out = tmp_path / "inventory.yml"
    r = _cli("inventory", "--ready-file", str(_ready(emu, tmp_path)), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "3 tenant(s)" in r.stdout and stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds secrets
    listed = _ansible("ansible-inventory", "-i", str(out), "--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    assert sorted(doc["entra_tenants"]["hosts"]) == ["contoso", "fabrikam", "northwind"]
    hostvars = doc["_meta"]["hostvars"]
    for tenant in emu.ready["tenants"]:
        app = next(a for a in tenant["apps"] if a["name"] == "pim-admin")
        hv = hostvars[tenant["name"]]
        assert hv["entra_tenant_id"] == tenant["id"] and hv["entra_tenant_domain"] == tenant["domain"]
        auth = dict(hv["entra_pim_auth"])
        # ansible-inventory shows a value tagged !unsafe as {"__ansible_unsafe": value} (ansible-core < 2.19).
        assert auth.pop("client_secret") in (app["client_secret"], {"__ansible_unsafe": app["client_secret"]})
        # Resource Manager answers at the same address (issue 11): the Azure modules read arm_url from the same auth.
        assert auth == {"tenant_id": tenant["id"], "client_id": app["client_id"], "graph_url": emu.ready["graph_url"],
                        "authority_host": emu.ready["authority_host"], "ca_bundle": emu.ready["ca_bundle"],
                        "arm_url": emu.ready["arm_url"]}
        assert hv["ansible_connection"] == "local"
    assert "!unsafe" in out.read_text()


def test_app_choice_and_default_seed_vars(emu, tmp_path):
    out = tmp_path / "reader.yml"
    r = _cli("inventory", "--ready-file", str(_ready(emu, tmp_path)), "--out", str(out), "--app", "pim-reader",
             "--default-seed-vars")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    reader = emu.app("pim-reader")["client_id"]
    assert f'client_id: "{reader}"' in text and emu.app("pim-admin")["client_id"] not in text
    assert 'baseline_tier0_approvers: ["group:PIM-Approvers-Tier0"]' in text


@pytest.mark.parametrize(("args", "message"), [
    (["--app", "no-such-app"], "has no app 'no-such-app'; its apps are pim-admin, pim-reader"),
    (["--app", "pim-cli"], "has no client secret"),
])
def test_bad_app_names_the_apps_there_are(emu, tmp_path, args, message):
    out = tmp_path / "inv.yml"
    r = _cli("inventory", "--ready-file", str(_ready(emu, tmp_path)), "--out", str(out), *args)
    assert r.returncode == 2 and message in r.stderr and not out.exists()


def test_a_file_that_is_not_a_ready_file_is_refused(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    r = _cli("inventory", "--ready-file", str(bad), "--out", str(tmp_path / "inv.yml"))
    assert r.returncode == 2 and "is not an emulator ready file" in r.stderr


@needs_ansible
def test_a_secret_that_looks_like_a_template_stays_data(tmp_path):
    # A real tenant's secret may contain "{{": tagged !unsafe, Ansible must hand it over verbatim.
    secret = "s3cr{{ 6 * 7 }}{% raw %}'\"\\\\"
    ready = {"graph_url": "https://127.0.0.1:1/v1.0", "authority_host": "https://127.0.0.1:1",
             "ca_bundle": "/nonexistent/ca.pem",
             "tenants": [{"id": "11111111-2222-3333-4444-555555555555", "name": "t1", "domain": "t1.example",
                          "apps": [{"name": "pim-admin", "client_id": "c1", "client_secret": secret}]}]}
    path = tmp_path / "ready.json"
    path.write_text(json.dumps(ready))
    out = tmp_path / "inv.yml"
    assert _cli("inventory", "--ready-file", str(path), "--out", str(out)).returncode == 0
    r = _ansible("ansible", "t1", "-i", str(out), "-m", "ansible.builtin.debug",
                 "-a", "var=entra_pim_auth.client_secret", "-e", f"ansible_python_interpreter={sys.executable}",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    shown = json.loads(r.stdout[r.stdout.index("{"):])
    assert shown["entra_pim_auth.client_secret"] == secret


@needs_ansible
def test_one_builder_for_every_inventory_shape(tmp_path):
    # The harnesses' inventories (AWX: no credentials on the hosts; reliability and bench: some tenants) come
    # from launch.tenant_hosts/write_inventory; a tenant named like a YAML boolean stays a host name.
    from pim_emulator.launch import write_inventory

    apps = [{"name": "pim-admin", "client_id": "c1", "client_secret": "s1"}]
    info = {"graph_url": "https://127.0.0.1:1/v1.0", "authority_host": "https://127.0.0.1:1", "ca_bundle": "/ca.pem",
            "tenants": [{"id": f"id-{n}", "name": n, "domain": f"{n}.example", "apps": apps}
                        for n in ("alpha", "yes", "gamma")]}
    out = write_inventory(info, tmp_path / "inv.yml", None, {"extra": {"nested": [1]}}, "/py", tenants=[1, 2])
    listed = _ansible("ansible-inventory", "-i", str(out), "--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    assert sorted(doc["entra_tenants"]["hosts"]) == ["gamma", "yes"]
    hv = doc["_meta"]["hostvars"]["yes"]
    assert hv["entra_tenant_id"] == "id-yes" and hv["entra_tenant_domain"] == "yes.example"
    assert "entra_pim_auth" not in hv and hv["extra"] == {"nested": [1]} and hv["ansible_python_interpreter"] == "/py"
    assert "s1" not in out.read_text() and "carry no" in out.read_text()
