# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module imports before its first request (issue 19.4): only what the run uses.

Each check runs in a fresh interpreter, since an import made by another test would hide one made here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def loaded_after(code):
    """The heavy packages present in sys.modules after ``code`` ran in a fresh interpreter."""
    probe = (code + "\nimport json, sys\n"
             "print(json.dumps({name: sys.modules.get(name) is not None for name in "
             "('azure.identity', 'msal', 'httpx._main', 'httpx', 'msgraph')}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_module_base_leaves_azure_identity_and_the_httpx_cli_out():
    loaded = loaded_after("from ansible_collections.entra.pim.plugins.module_utils import _module\n"
                          "assert _module.HAS_AZURE_IDENTITY and _module.HAS_GRAPH_SDK")
    assert loaded == {"azure.identity": False, "msal": False, "httpx._main": False, "httpx": True, "msgraph": True}


def test_a_secret_credential_imports_azure_identity_when_built():
    loaded = loaded_after(
        "from ansible_collections.entra.pim.plugins.module_utils._auth import build_credential, resolve_cloud\n"
        "auth = {'tenant_id': 'contoso.onmicrosoft.com', 'client_id': 'c', 'client_secret': 's'}\n"
        "cred = build_credential(auth, resolve_cloud(auth))\n"
        "assert type(cred).__name__ == 'ClientSecretCredential'")
    assert loaded["azure.identity"] and loaded["msal"]


def test_an_access_token_run_never_imports_azure_identity():
    loaded = loaded_after(
        "from ansible_collections.entra.pim.plugins.module_utils._auth import build_credential, resolve_cloud\n"
        "auth = {'access_token': 'a.b.c'}\n"
        "cred = build_credential(auth, resolve_cloud(auth))\n"
        "assert cred.get_token('https://graph.microsoft.com/.default').token == 'a.b.c'")
    assert not loaded["azure.identity"] and not loaded["msal"]
