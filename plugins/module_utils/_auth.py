# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication through azure-identity: which credential, which cloud, which endpoints.

Private to the collection (leading underscore): may change in any release.

Options arrive already merged with their environment fallbacks (both azure-identity's names,
``AZURE_TENANT_ID``/``AZURE_CLIENT_SECRET``, and AWX's Azure credential names,
``AZURE_TENANT``/``AZURE_SECRET``), so this file only chooses and builds.
"""

from __future__ import annotations

import os
import warnings
from urllib.parse import urlsplit

try:
    from azure.core.credentials import AccessToken
    from azure.identity import (
        AzureCliCredential,
        CertificateCredential,
        ClientSecretCredential,
        DefaultAzureCredential,
        ManagedIdentityCredential,
        UsernamePasswordCredential,
        WorkloadIdentityCredential,
    )

    HAS_AZURE_IDENTITY = True
    AZURE_IDENTITY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    HAS_AZURE_IDENTITY = False
    AZURE_IDENTITY_IMPORT_ERROR = exc

AUTH_METHODS = ("auto", "client_secret", "certificate", "managed_identity", "workload_identity",
                "azure_cli", "access_token", "username_password")

# Graph and login endpoints of each cloud (Microsoft Graph "national cloud deployments").
CLOUDS = {
    "public": ("https://graph.microsoft.com", "https://login.microsoftonline.com"),
    "usgovernment": ("https://graph.microsoft.us", "https://login.microsoftonline.us"),
    "usgovernment_dod": ("https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
    "china": ("https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
}


class AuthError(Exception):
    """Credential options that cannot work; raised before any network call."""


def resolve_cloud(auth):
    """Graph URL, authority host and token scope for this run.

    ``graph_url``/``authority_host`` override the cloud's (that is how the emulator is reached);
    the scope stays the cloud's Graph resource, since that is the audience tokens are issued for.
    """
    cloud = auth.get("cloud") or "public"
    graph_root, authority = CLOUDS[cloud]
    graph_url = auth.get("graph_url") or graph_root + "/v1.0"
    return {
        "name": cloud,
        "graph_url": graph_url.rstrip("/"),
        "authority_host": (auth.get("authority_host") or authority).rstrip("/"),
        "scope": graph_root + "/.default",
        "custom_authority": bool(auth.get("authority_host")),
    }


def choose_method(auth):
    """The credential ``auto`` stands for, in azure-identity's own order of preference."""
    method = auth.get("auth_method") or "auto"
    if method != "auto":
        return method
    if auth.get("access_token"):
        return "access_token"
    if auth.get("client_secret"):
        return "client_secret"
    if auth.get("certificate_path"):
        return "certificate"
    if auth.get("federated_token_file"):
        return "workload_identity"
    if auth.get("username") and auth.get("password"):
        return "username_password"
    return "default"


def validate_auth(auth):
    """Every missing or conflicting auth option, named, before anything is sent."""
    method = choose_method(auth)
    needs = {
        "client_secret": ("tenant_id", "client_id", "client_secret"),
        "certificate": ("tenant_id", "client_id", "certificate_path"),
        "workload_identity": ("tenant_id", "client_id", "federated_token_file"),
        "username_password": ("tenant_id", "client_id", "username", "password"),
    }.get(method, ())
    missing = [name for name in needs if not auth.get(name)]
    if missing:
        raise AuthError(
            f"auth_method {method} needs {', '.join(missing)}; set the option(s) or the environment "
            "variables AZURE_TENANT_ID (or AZURE_TENANT), AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or AZURE_SECRET), "
            "AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, AZURE_USERNAME, AZURE_PASSWORD"
        )
    path = auth.get("certificate_path")
    if method == "certificate" and not os.path.isfile(path):
        raise AuthError(f"certificate_path {path} is not a readable file (a PEM or PKCS#12 with the private key)")
    token_file = auth.get("federated_token_file")
    if method == "workload_identity" and not os.path.isfile(token_file):
        raise AuthError(f"federated_token_file {token_file} is not a readable file")
    ca = auth.get("ca_bundle")
    if ca and not os.path.isfile(ca):
        raise AuthError(f"ca_bundle {ca} is not a readable file (a PEM CA certificate)")
    return method


class _StaticToken:
    """A caller-supplied bearer token (e.g. from a delegated sign-in done elsewhere)."""

    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        # The expiry is unknown to us; Graph answers 401 InvalidAuthenticationToken when it passes.
        return AccessToken(self._token, 2 ** 31 - 1)


def _skip_user_realm_discovery(authority_host):
    """MSAL's password flow first asks ``https://{host}/common/userrealm/...`` whether the user is
    federated, dropping the authority's port (msal 1.x ``Authority.user_realm_discovery``), so a
    private authority on another port (the emulator, a proxy) is never reached. Federation (ADFS)
    only exists at Microsoft's own authorities; for an overridden one, mark the host as having no
    realm discovery, exactly as MSAL does itself after a 404.
    """
    try:
        from msal.authority import Authority
    except ImportError:  # pragma: no cover - msal comes with azure-identity
        return
    host = urlsplit(authority_host).hostname
    known = getattr(Authority, "_domains_without_user_realm_discovery", None)
    if host and isinstance(known, set):
        known.add(host.lower())


def build_credential(auth, cloud):
    """The azure-identity credential for the options; never logs or returns a secret."""
    method = validate_auth(auth)
    common = {}
    if cloud["custom_authority"] or cloud["name"] != "public":
        common["authority"] = cloud["authority_host"]
    if cloud["custom_authority"]:
        # A private authority (the emulator, a proxy) is not in Microsoft's instance list.
        common["disable_instance_discovery"] = True
    if auth.get("ca_bundle"):
        common["connection_verify"] = auth["ca_bundle"]
    tenant, client = auth.get("tenant_id"), auth.get("client_id")
    if method == "access_token":
        return _StaticToken(auth["access_token"])
    if method == "client_secret":
        return ClientSecretCredential(tenant, client, auth["client_secret"], **common)
    if method == "certificate":
        return CertificateCredential(tenant, client, certificate_path=auth["certificate_path"],
                                     password=auth.get("certificate_password"), **common)
    if method == "workload_identity":
        return WorkloadIdentityCredential(tenant_id=tenant, client_id=client,
                                          token_file_path=auth["federated_token_file"], **common)
    if method == "username_password":
        # A delegated (user) token, for self-service PIM actions such as activation. azure-identity
        # marks this flow deprecated because it cannot answer an MFA prompt; the token still carries
        # the user's amr claim, which is what PIM's MFA rule reads.
        if cloud["custom_authority"]:
            _skip_user_realm_discovery(cloud["authority_host"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return UsernamePasswordCredential(client, auth["username"], auth["password"], tenant_id=tenant, **common)
    if method == "managed_identity":
        return ManagedIdentityCredential(client_id=client) if client else ManagedIdentityCredential()
    if method == "azure_cli":
        return AzureCliCredential(tenant_id=tenant) if tenant else AzureCliCredential()
    return DefaultAzureCredential(exclude_interactive_browser_credential=True, **common)
