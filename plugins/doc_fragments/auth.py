# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options every entra.pim module shares (plugins/module_utils/_module.py).
    DOCUMENTATION = r"""
options:
  auth_method:
    description:
      - How to authenticate to Microsoft Graph, through azure-identity.
      - V(auto) picks the first that fits the other options, in this order, V(access_token) when
        O(access_token) is set, V(client_secret) when O(client_secret) is set, V(certificate) when
        O(certificate_path) is set, V(workload_identity) when O(federated_token_file) is set,
        V(username_password) when O(username) and O(password) are set, and otherwise azure-identity's
        C(DefaultAzureCredential) (environment, workload identity, managed identity, Azure CLI).
      - V(client_secret) and V(certificate) are an app registration's client credentials.
      - V(workload_identity) exchanges a federated token file, as AWX, Kubernetes and GitHub Actions provide.
      - V(managed_identity) uses the Azure managed identity of the machine; O(client_id) selects a
        user-assigned one.
      - V(azure_cli) uses the account signed in with C(az login).
      - V(access_token) sends O(access_token) as it is, for a token obtained elsewhere.
      - V(username_password) signs in as the user O(username) with O(password) through the public client
        app O(client_id) (resource-owner password flow), for self-service actions such as
        M(entra.pim.pim_role_activation). It cannot answer an MFA prompt; the token counts as MFA only
        where the user's sign-in satisfied MFA without one.
      - For a delegated sign-in with a device code, sign in with C(az login --use-device-code) and use
        V(azure_cli), or pass the resulting token in O(access_token).
    type: str
    default: auto
    choices: [auto, client_secret, certificate, managed_identity, workload_identity, azure_cli, access_token,
              username_password]
  tenant_id:
    description:
      - The Entra tenant (directory) id or primary domain.
      - Falls back to the environment variable E(AZURE_TENANT_ID), then E(AZURE_TENANT) (AWX's Azure credential).
      - With O(access_token), a token issued for another tenant (its C(tid) claim) is refused, so a mixed-up
        inventory cannot change the wrong tenant. This check needs the tenant id, not a domain name.
      - For every connection option, an empty value (or an empty environment variable, as AWX injects for an
        optional credential field left empty) counts as not set.
    type: str
  client_id:
    description:
      - The application (client) id of the app registration, or of a user-assigned managed identity.
      - Falls back to E(AZURE_CLIENT_ID).
    type: str
  client_secret:
    description:
      - The client secret of the app registration.
      - Falls back to E(AZURE_CLIENT_SECRET), then E(AZURE_SECRET) (AWX's Azure credential).
      - Never logged or returned.
    type: str
  certificate_path:
    description:
      - Path to a PEM or PKCS#12 file holding the app registration's certificate and private key.
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  certificate_password:
    description:
      - Password of the private key in O(certificate_path), if it has one.
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PASSWORD). Never logged or returned.
    type: str
  federated_token_file:
    description:
      - Path to a federated (OIDC) token file for workload identity federation.
      - Falls back to E(AZURE_FEDERATED_TOKEN_FILE).
    type: path
  access_token:
    description:
      - A bearer token for Microsoft Graph, used as it is. Falls back to E(ENTRA_PIM_ACCESS_TOKEN).
      - When O(tenant_id) is set, the token must have been issued for that tenant.
      - Never logged or returned.
    type: str
  username:
    description:
      - The user principal name to sign in as with O(auth_method=username_password).
      - Falls back to E(AZURE_USERNAME), then E(AZURE_AD_USER) (AWX's Azure credential).
    type: str
  password:
    description:
      - The password of O(username). Falls back to E(AZURE_PASSWORD). Never logged or returned.
    type: str
  cloud:
    description:
      - The Microsoft cloud whose Graph and login endpoints are used.
    type: str
    default: public
    choices: [public, usgovernment, usgovernment_dod, china]
  graph_url:
    description:
      - Override of the Graph v1.0 base URL, for example V(https://127.0.0.1:8443/v1.0) for the
        entra.pim Graph PIM emulator. Falls back to E(ENTRA_PIM_GRAPH_URL).
      - Tokens are still requested for the O(cloud)'s Graph resource.
      - Must be C(https://); plain C(http://) would send the bearer token in clear text and is refused
        unless O(allow_insecure_http=true) and the host is a loopback address.
      - When you set it for the emulator, set O(authority_host) too, or sign-in goes to the O(cloud)'s authority.
    type: str
  authority_host:
    description:
      - Override of the login authority, for example the emulator's V(https://127.0.0.1:8443).
        Falls back to E(ENTRA_PIM_AUTHORITY_HOST) (set by the collection's AWX credential type), then
        E(AZURE_AUTHORITY_HOST). Instance discovery is turned off for an overridden authority.
      - Always C(https://) (a value without a scheme gets C(https://), as azure-identity does).
    type: str
  ca_bundle:
    description:
      - A PEM file of CA certificates to trust for Graph and for the authority, for example the
        emulator's generated CA or a TLS-inspecting proxy's CA. It is trusted in addition to the public CAs
        (certifi's bundle, which requests and httpx trust by default, and the system's CA file), never instead
        of them. TLS is always verified.
      - The file is checked before anything is sent; a missing, unreadable or non-PEM file fails with a message
        saying which.
      - Falls back to E(ENTRA_PIM_CA_BUNDLE).
    type: path
  allow_insecure_http:
    description:
      - Allow a plain C(http://) O(graph_url) on a loopback address (V(127.0.0.1), V(::1), V(localhost)),
        for local testing only, since the bearer token then travels unencrypted.
      - Never allows plain HTTP to any other host, nor for O(authority_host).
    type: bool
    default: false
  max_retries:
    description:
      - How often a request throttled or refused with 429, 503 or 504 is sent again (whatever the body of the
        answer), each time after the C(Retry-After) Graph asked for (seconds, fractions of a second or an HTTP
        date, at most 120 seconds), else after an exponential back-off.
      - A read whose connection was reset, timed out or whose answer was cut short is sent again too, within
        the same limit. A write whose answer was lost is never sent again blindly (it may have landed), so
        it is reported as C(WriteOutcomeUnknown) unless the module can decide by re-reading; a rerun converges.
      - Paged reads stop with an error when Graph returns a C(nextLink) already followed, or after 10,000 pages.
    type: int
    default: 6
  timeout:
    description:
      - Seconds to wait for one Graph answer, and for each connection to and answer of the sign-in authority
        (which azure-identity tries at most three times).
    type: int
    default: 60
  arm_url:
    description:
      - Override of the Azure Resource Manager base URL, used by the Azure resource modules
        (C(entra.pim.pim_azure_*)) only, for example the entra.pim emulator's V(https://127.0.0.1:8443).
        Falls back to E(ENTRA_PIM_ARM_URL), then E(AZURE_RESOURCE_MANAGER_URL).
      - Defaults to the O(cloud)'s Resource Manager (V(https://management.azure.com) for V(public),
        V(https://management.usgovcloudapi.net) for the US Government clouds, V(https://management.chinacloudapi.cn)
        for V(china)). Tokens are always requested for the O(cloud)'s Resource Manager
        (C(https://management.azure.com/.default) for V(public)), whatever the URL.
      - Must be C(https://) (azure-core sends bearer tokens over TLS only).
      - Accepted by every module, so one C(module_defaults) for C(group/entra.pim.all) can carry it; the
        directory role and group modules ignore it.
    type: str
    aliases: [resource_manager_url]
  subscription_id:
    description:
      - The subscription an Azure resource module's scope means when it names none, and the subscription a
        friendly scope such as V(rg-app) is not resolved in (friendly scopes name their subscription,
        V(Production/rg-app)).
      - Falls back to E(AZURE_SUBSCRIPTION_ID), which AWX's Azure credential sets.
      - Used by the Azure resource modules only; accepted by every module (see O(arm_url)).
    type: str
requirements:
  - python >= 3.10
  - msgraph-sdk >= 1.10
  - azure-identity >= 1.15
notes:
  - Every module makes one Graph session per run, reads in bulk and reports its Graph request count in
    RV(ignore:graph_requests).
  - Set these options once for a play with C(module_defaults) and the action group C(group/entra.pim.all).
"""
