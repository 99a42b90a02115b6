# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module imports before its first request (issue 19.4, issue 15): only what the run uses.

Each check runs in a fresh interpreter, since an import made by another test would hide one made here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


MU = "ansible_collections.entra.pim.plugins.module_utils"
# Connection options that build a credential and the SDK clients without sending anything (nothing listens on
# port 9): opening a session imports what its requests need, and no more.
OFFLINE = ("{'auth_method': 'client_secret', 'tenant_id': '00000000-0000-0000-0000-000000000001', "
           "'client_id': 'c', 'client_secret': 's', 'graph_url': 'https://127.0.0.1:9/v1.0', "
           "'authority_host': 'https://127.0.0.1:9'}")


def loaded_after(code):
    """The heavy packages present in sys.modules after ``code`` ran in a fresh interpreter."""
    probe = (code + "\nimport json, sys\n"
             "print(json.dumps({name: sys.modules.get(name) is not None for name in "
             "('azure.identity', 'msal', 'httpx._main', 'httpx', 'msgraph', 'asyncio', 'azure.mgmt.authorization', "
             f"'{MU}._arm_client')}}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_module_base_imports_no_sdk_until_a_session_opens():
    # The SDKs are only found, not imported: a missing one still fails the module at its start.
    loaded = loaded_after("from ansible_collections.entra.pim.plugins.module_utils import _module\n"
                          "assert _module.HAS_AZURE_IDENTITY and _module.HAS_GRAPH_SDK")
    assert not any(loaded.values()), loaded


def test_a_graph_session_imports_the_graph_sdk_when_opened_and_never_the_arm_one():
    loaded = loaded_after(f"from {MU}._client import GraphSession\n"
                          f"graph = GraphSession({OFFLINE})\ngraph._open()\ngraph.close()")
    assert loaded["msgraph"] and loaded["httpx"] and loaded["azure.identity"]
    assert not loaded["httpx._main"] and not loaded["azure.mgmt.authorization"] and not loaded[f"{MU}._arm_client"]


def test_an_arm_only_run_never_imports_the_graph_sdk():
    # pim_azure_* modules: PimModule.arm() makes a GraphSession too (for the checks of the options) but never
    # opens it, so msgraph-sdk, kiota and httpx stay out of the process.
    loaded = loaded_after(f"from {MU} import _module\nfrom {MU}._client import GraphSession\n"
                          f"from {MU}._arm_client import ArmSession\nGraphSession({OFFLINE})\n"
                          f"arm = ArmSession({OFFLINE}, arm_url='https://127.0.0.1:9')\narm._open()\n"
                          "arm._client.role_management_policies\narm.close()")
    assert loaded["azure.mgmt.authorization"] and loaded["azure.identity"]
    assert not loaded["msgraph"] and not loaded["httpx"], loaded


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
