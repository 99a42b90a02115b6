# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""awx/credential_type.yml with its optional fields left empty, as its help text invites (issue 17.2).

AWX renders every ``env`` injector of a credential type with a sandboxed Jinja2 environment, a field the
credential does not fill rendering as ``""``, and sets the variable even when it is empty (AWX's
``CredentialType.inject_credential``). ``render_injectors`` does the same, so these tests see exactly the
environment a job gets.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import ansible_runner
import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from conftest import COLLECTIONS, ROOT
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pim_emulator.launch import write_inventory

CREDENTIAL_TYPE = yaml.safe_load((ROOT / "awx" / "credential_type.yml").read_text())
TENANT = "11111111-2222-3333-4444-555555555555"


def render_injectors(inputs: dict, cert_file: str = "/tmp/awx_cred_cert") -> dict:
    """The environment AWX injects for a credential with ``inputs`` (unset fields are missing, not None)."""
    env = ImmutableSandboxedEnvironment()
    namespace = dict(inputs)
    if "template.certificate" in CREDENTIAL_TYPE["injectors"].get("file", {}) and inputs.get("certificate"):
        namespace["tower"] = SimpleNamespace(filename=cert_file)
    else:
        namespace["tower"] = SimpleNamespace(filename=None)
    return {key: env.from_string(tmpl).render(**namespace)
            for key, tmpl in CREDENTIAL_TYPE["injectors"]["env"].items()}


def test_every_field_of_the_type_is_declared_and_injected():
    fields = {f["id"] for f in CREDENTIAL_TYPE["inputs"]["fields"]}
    templates = " ".join(CREDENTIAL_TYPE["injectors"]["env"].values())
    assert all(f"{{{{ {f} }}}}" in templates or f"if {f}" in templates for f in fields)


def test_empty_authority_host_never_reaches_azure_identity():
    env = render_injectors({"client_id": "app", "client_secret": "s3cr3t"})
    assert env["ENTRA_PIM_AUTHORITY_HOST"] == "" and env["ENTRA_PIM_GRAPH_URL"] == ""  # AWX's reality
    # azure-identity reads AZURE_AUTHORITY_HOST itself and makes "" the authority "https://"
    assert "AZURE_AUTHORITY_HOST" not in env


@pytest.mark.parametrize("legacy", [False, True], ids=["this-type", "older-type-with-AZURE_AUTHORITY_HOST"])
def test_public_cloud_sign_in_with_empty_optional_fields(monkeypatch, legacy):
    """Client id and secret only, the tenant from the inventory: the modules sign in at Microsoft's authority."""
    from ansible_collections.entra.pim.plugins.module_utils._auth import build_credential, resolve_cloud
    from ansible_collections.entra.pim.plugins.module_utils._module import PimModule

    env = render_injectors({"client_id": "app", "client_secret": "s3cr3t"})
    if legacy:  # a credential type created from an earlier version of this file
        env["AZURE_AUTHORITY_HOST"] = env.pop("ENTRA_PIM_AUTHORITY_HOST")
    for key in [k for k in os.environ if k.startswith(("AZURE_", "ENTRA_PIM_"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with patch_module_args({"tenant_id": TENANT}):
        auth = PimModule({}).auth
        cloud = resolve_cloud(auth)
        credential = build_credential(auth, cloud)
    assert auth["client_secret"] == "s3cr3t" and auth["certificate_path"] is None
    assert cloud["graph_url"] == "https://graph.microsoft.com/v1.0"
    assert credential._authority == "https://login.microsoftonline.com"


def test_runner_job_with_empty_optional_fields(msp_emulator, tmp_path):
    """A job through ansible-runner with the rendered credential: tenant, certificate and key password empty."""
    info = msp_emulator.info
    inputs = {"client_id": msp_emulator.scanner["client_id"], "client_secret": msp_emulator.scanner["client_secret"],
              "authority_host": info["authority_host"], "graph_url": info["graph_url"]}
    env = render_injectors(inputs)
    assert env["AZURE_TENANT_ID"] == "" and env["AZURE_CLIENT_CERTIFICATE_PATH"] == ""
    tenant = info["tenants"][0]
    pdd = tmp_path / "job"
    (pdd / "project").mkdir(parents=True)
    (pdd / "project" / "read.yml").write_text(json.dumps([{
        "hosts": "all", "gather_facts": False,
        "tasks": [{"entra.pim.pim_role_setting_info": {"tenant_id": "{{ entra_tenant_id }}",
                                                       "roles": ["Global Administrator"]}, "register": "out"},
                  {"ansible.builtin.assert": {"that": ["out.roles | length == 1"]}}]}]))
    (pdd / "inventory").mkdir()
    write_inventory(info, pdd / "inventory" / "hosts.yml", None, python=sys.executable, tenants=[0])
    (pdd / "env").mkdir()
    (pdd / "env" / "envvars").write_text(json.dumps({
        **env, "ENTRA_PIM_CA_BUNDLE": info["ca_bundle"], "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}))
    before = msp_emulator.admin(f"stats?tenant={tenant['id']}")["requests"]
    result = ansible_runner.run(private_data_dir=str(pdd), playbook="read.yml", quiet=True)
    assert result.status == "successful", result.stdout.read()[-3000:]
    assert msp_emulator.admin(f"stats?tenant={tenant['id']}")["requests"] > before
