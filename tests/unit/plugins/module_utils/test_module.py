# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_module: option fallbacks (an empty environment variable is unset), checks before any request,
and failure messages, through a real AnsibleModule."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.basic import AnsibleFallbackNotFound
from ansible.module_utils.testing import patch_module_args

from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError, WriteOutcomeUnknown
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule, auth_argument_spec, env_fallback

TENANT = "11111111-2222-3333-4444-555555555555"
ENV = ("AZURE_TENANT_ID", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SECRET",
       "AZURE_AUTHORITY_HOST", "ENTRA_PIM_AUTHORITY_HOST", "ENTRA_PIM_GRAPH_URL", "ENTRA_PIM_CA_BUNDLE",
       "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE",
       "AZURE_USERNAME", "AZURE_AD_USER", "AZURE_PASSWORD", "ENTRA_PIM_ACCESS_TOKEN", "AZURE_SUBSCRIPTION_ID",
       "ENTRA_PIM_ARM_URL", "AZURE_RESOURCE_MANAGER_URL")


_OPEN = []


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield
    while _OPEN:
        _OPEN.pop().__exit__(None, None, None)


def module(args=None):
    """A PimModule built from ``args``; the module-args patch stays active until the test ends, since
    fail_json needs it too."""
    patch = patch_module_args(args or {})
    patch.__enter__()
    _OPEN.append(patch)
    return PimModule({}, supports_check_mode=True)


def failure(capsys, action):
    with pytest.raises(SystemExit):
        action()
    return json.loads(capsys.readouterr().out)


def test_env_fallback_skips_empty_variables(monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", "")
    monkeypatch.setenv("AZURE_TENANT", TENANT)
    assert env_fallback("AZURE_TENANT_ID", "AZURE_TENANT") == TENANT
    monkeypatch.setenv("AZURE_TENANT", "   ")
    with pytest.raises(AnsibleFallbackNotFound):
        env_fallback("AZURE_TENANT_ID", "AZURE_TENANT")


def test_awx_style_empty_fields_are_unset(monkeypatch):
    """What AWX injects for a credential whose optional fields are empty."""
    for name, value in {"AZURE_CLIENT_ID": "app", "AZURE_CLIENT_SECRET": "s3cr3t", "AZURE_CLIENT_CERTIFICATE_PATH": "",
                        "AZURE_CLIENT_CERTIFICATE_PASSWORD": "", "AZURE_TENANT_ID": "", "AZURE_TENANT": TENANT,
                        "AZURE_AUTHORITY_HOST": "", "ENTRA_PIM_AUTHORITY_HOST": "", "ENTRA_PIM_GRAPH_URL": ""}.items():
        monkeypatch.setenv(name, value)
    auth = module().auth
    assert auth["tenant_id"] == TENANT
    assert auth["authority_host"] is None and auth["graph_url"] is None and auth["certificate_path"] is None
    assert auth["client_secret"] == "s3cr3t"


def test_entra_pim_authority_host_wins_over_azure(monkeypatch):
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us")
    monkeypatch.setenv("ENTRA_PIM_AUTHORITY_HOST", "https://127.0.0.1:8443")
    assert module().auth["authority_host"] == "https://127.0.0.1:8443"


def test_empty_option_is_unset():
    auth = module({"authority_host": "", "graph_url": "", "tenant_id": TENANT}).auth
    assert auth["authority_host"] is None and auth["graph_url"] is None


def test_every_auth_option_is_in_the_spec_and_secrets_are_no_log():
    spec = auth_argument_spec()
    assert spec["allow_insecure_http"] == {"type": "bool", "default": False}
    for name in ("client_secret", "certificate_password", "access_token", "password"):
        assert spec[name]["no_log"] is True


def test_http_graph_url_fails_before_any_request(capsys):
    mod = module({"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cr3t",
                  "graph_url": "http://graph.example.test/v1.0"})
    out = failure(capsys, mod.graph)
    assert "clear text" in out["msg"] and "allow_insecure_http" in out["msg"]
    assert "s3cr3t" not in json.dumps(out)


def test_unusable_timeout_is_refused(capsys):
    mod = module({"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cr3t", "timeout": 0})
    assert "timeout must be 1 or more" in failure(capsys, mod.graph)["msg"]


def test_fail_graph_carries_code_hint_and_counts(capsys):
    mod = module({"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cr3t"})
    err = WriteOutcomeUnknown("POST", "https://graph.microsoft.com/v1.0/x", "ReadError: reset")
    out = failure(capsys, lambda: mod.fail_graph(err, "creating the assignment"))
    assert out["msg"].startswith("creating the assignment failed; POST https://graph.microsoft.com/v1.0/x: "
                                 "WriteOutcomeUnknown")
    assert out["error"]["code"] == "WriteOutcomeUnknown" and "re-read" in out["error"]["hint"]
    assert out["graph_requests"] == {"requests": 0, "writes": 0, "retries": 0}
    assert isinstance(err, GraphCallError)


def test_warnings_and_failures_cannot_drive_the_terminal(capsys, monkeypatch):
    # A tenant names a group "\x1b[2J..." (clear screen); every module warns and fails through PimModule.
    mod = module({"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cr3t"})
    warned = []
    monkeypatch.setattr(mod.module, "warn", warned.append)
    mod.warn("approver group \x1b[2JOps\x9b31m is empty")
    out = failure(capsys, lambda: mod.fail("role \x1b]8;;http://x\x07Admin\x1b]8;;\x07 is unknown"))
    assert warned == ["approver group \\x1b[2JOps\\x9b31m is empty"]
    assert out["msg"] == "role \\x1b]8;;http://x\\x07Admin\\x1b]8;;\\x07 is unknown"
    assert not any(ch in json.dumps(out, ensure_ascii=False) for ch in "\x1b\x07\x9b")


def test_arm_options_from_the_alias_and_awx_environment(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "4f2a1c3e-1111-4aaa-8bbb-000000000001")
    monkeypatch.delenv("ENTRA_PIM_ARM_URL", raising=False)
    monkeypatch.setenv("AZURE_RESOURCE_MANAGER_URL", "https://management.usgovcloudapi.net")
    mod = module({"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cr3t",
                  "resource_manager_url": "https://127.0.0.1:8443/"})
    arm = mod.arm()
    assert arm.arm_url == "https://127.0.0.1:8443"  # the alias wins over the environment
    assert arm.arm["scope"] == "https://management.azure.com/.default"  # the token is for the cloud's ARM
    assert mod.default_subscription == "4f2a1c3e-1111-4aaa-8bbb-000000000001"
    assert arm.stats() == {"requests": 0, "writes": 0, "retries": 0}  # nothing sent before the first call


def test_an_azure_module_reports_arm_requests_and_refuses_plain_http(capsys):
    patch = patch_module_args({"tenant_id": TENANT, "client_id": "app", "client_secret": "s3cr3t",
                               "arm_url": "http://management.example.test"})
    patch.__enter__()
    _OPEN.append(patch)
    mod = PimModule({}, arm=True, supports_check_mode=True)
    out = failure(capsys, mod.arm)
    assert "plain HTTP" in out["msg"] and "s3cr3t" not in json.dumps(out)
    out = failure(capsys, lambda: mod.fail("stop"))
    assert out["arm_requests"] == {"requests": 0, "writes": 0, "retries": 0}
