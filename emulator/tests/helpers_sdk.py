"""Build the real msgraph-sdk client against the emulator, as the collection does."""

from __future__ import annotations

import ssl

import httpx
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphServiceClient
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory

SCOPES = ["https://graph.microsoft.com/.default"]


def graph_client(credential, graph_url: str, ca_bundle: str) -> GraphServiceClient:
    auth = AzureIdentityAuthenticationProvider(credential, scopes=SCOPES)
    verify = ssl.create_default_context(cafile=ca_bundle)
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=verify, timeout=30))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = graph_url
    return GraphServiceClient(request_adapter=adapter)


def secret_credential(emu, app: str = "pim-admin", tenant: str = "contoso"):
    from azure.identity.aio import ClientSecretCredential

    a, t = emu.app(app, tenant), emu.tenant(tenant)
    return ClientSecretCredential(t["id"], a["client_id"], a["client_secret"], authority=emu.authority,
                                  disable_instance_discovery=True, connection_verify=emu.ca)
