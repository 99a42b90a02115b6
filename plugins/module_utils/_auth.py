# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication through azure-identity: which credential, which cloud, which endpoints.

Private to the collection (leading underscore): may change in any release.

Options arrive already merged with their environment fallbacks (both azure-identity's names,
``AZURE_TENANT_ID``/``AZURE_CLIENT_SECRET``, and AWX's Azure credential names,
``AZURE_TENANT``/``AZURE_SECRET``), so this file only chooses and builds.

An empty value is an unset one everywhere (``normalise_auth``): AWX injects every field of a
credential type into the environment, the empty ones as ``""``, and azure-identity turns an empty
``AZURE_AUTHORITY_HOST`` into the authority ``https://``, so every sign-in would fail.
"""

from __future__ import annotations

import base64
import importlib.util
import ipaddress
import json
import os
import re
import ssl
import tempfile
import warnings
from urllib.parse import urlsplit

try:
    # Only whether azure-identity is there: importing it costs ~0.3 s (msal, requests and every credential
    # come with its package), so it is imported where a credential is built (build_credential) and a run
    # that fails validation, or signs in with access_token, never pays for it.
    HAS_AZURE_IDENTITY = importlib.util.find_spec("azure.identity") is not None
    AZURE_IDENTITY_IMPORT_ERROR = None if HAS_AZURE_IDENTITY else ImportError("No module named 'azure.identity'")
except (ImportError, ValueError) as exc:  # pragma: no cover - reported through missing_required_lib
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


GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


class AuthError(Exception):
    """Credential options that cannot work; raised before any network call."""


def normalise_auth(auth):
    """The options with every empty or blank string turned into ``None`` (unset).

    AWX renders every field of a credential type, so an optional field left empty arrives as
    ``""`` (in the environment, then through the options' fallbacks); Ansible templating does the
    same with ``default('')``. Empty never means "use an empty value" for any of these options.
    Non-blank values are kept byte for byte (a secret is never trimmed).
    """
    out = {}
    for key, value in (auth or {}).items():
        if isinstance(value, str) and not value.strip():
            value = None
        out[key] = value
    return out


def _is_loopback(host):
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_endpoint(option, url, allow_insecure_http):
    """An endpoint URL that is https, or plain http on a loopback address with the explicit opt-in.

    A bearer token (or a client secret, at the authority) sent over plain HTTP can be read by anyone
    on the path, so plain HTTP is refused unless the user opted in for a local test endpoint.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AuthError(f"{option} {url!r} is not an https:// URL (for example https://graph.microsoft.com/v1.0)")
    if parts.scheme == "https":
        return
    if option == "authority_host":
        # azure-identity itself refuses a non-https authority ("must be a TLS protected (https) URL").
        raise AuthError(f"{option} {url} is plain HTTP: credentials and tokens would travel in clear text, and "
                        "azure-identity only signs in over https://; use the https:// URL of the authority")
    if not allow_insecure_http:
        raise AuthError(f"{option} {url} is plain HTTP: the bearer token would travel in clear text; use "
                        "https://, or, only for a local test endpoint on a loopback address, set "
                        "allow_insecure_http: true")
    if not _is_loopback(parts.hostname):
        raise AuthError(f"{option} {url} is plain HTTP to {parts.hostname}, which is not a loopback address: "
                        "allow_insecure_http only allows http:// to 127.0.0.1, ::1 or localhost (local testing); "
                        "use https://")


def resolve_cloud(auth):
    """Graph URL, authority host and token scope for this run.

    ``graph_url``/``authority_host`` override the cloud's (that is how the emulator is reached);
    the scope stays the cloud's Graph resource, since that is the audience tokens are issued for.
    Raises ``AuthError`` for an endpoint that would send tokens in clear text.
    """
    auth = normalise_auth(auth)
    cloud = auth.get("cloud") or "public"
    if cloud not in CLOUDS:
        raise AuthError(f"cloud {cloud!r} is not one of {', '.join(CLOUDS)}")
    graph_root, authority = CLOUDS[cloud]
    graph_url = (auth.get("graph_url") or graph_root + "/v1.0").strip().rstrip("/")
    custom = auth.get("authority_host")
    if custom:
        custom = custom.strip()
        if "://" not in custom:
            # azure-identity documents AZURE_AUTHORITY_HOST values without a scheme
            # (AzureAuthorityHosts.AZURE_GOVERNMENT == "login.microsoftonline.us") and adds https://.
            custom = "https://" + custom
    _check_endpoint("graph_url", graph_url, auth.get("allow_insecure_http"))
    if custom:
        _check_endpoint("authority_host", custom, False)
    return {
        "name": cloud,
        "graph_url": graph_url,
        "authority_host": (custom or authority).rstrip("/"),
        "scope": graph_root + "/.default",
        "custom_authority": bool(custom),
        "custom_graph": bool(auth.get("graph_url")),
    }


def token_tenant(token):
    """The ``tid`` claim of a JWT access token, read without verifying it (Graph verifies it); ``None``
    when the token is not a JWT or carries no tenant."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    tid = claims.get("tid") if isinstance(claims, dict) else None
    return tid if isinstance(tid, str) else None


# What one module process already knows about TLS trust (issue 15): a module is one short process, and every
# HTTP client in it (httpx for Graph, requests for sign-in and for Resource Manager) used to build and load its
# own SSL context, and the CA bundle was re-validated at each validate_auth(); loading the CA files is the
# costly part (tens of milliseconds each). Keyed by the file's identity and times, so a file changed in
# between (only tests do that) is checked again.
_CHECKED_CA_BUNDLES = set()
_TRUST_CONTEXTS = {}
# Variables that change the default trust of httpx (SSL_CERT_FILE, SSL_CERT_DIR) or requests (REQUESTS_CA_BUNDLE,
# CURL_CA_BUNDLE): without ca_bundle and with one of them set, each library keeps its own default.
_TRUST_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _file_key(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (os.path.abspath(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def check_ca_bundle(path):
    """Say in plain words why a ``ca_bundle`` cannot be used, before OpenSSL does in its own.

    Once per process and file: validate_auth() runs more than once per module run (the options' check, then
    each session's sign-in), and the file is the same each time."""
    key = _file_key(path)
    if key is not None and key in _CHECKED_CA_BUNDLES:
        return
    _read_ca_bundle(path)
    if key is not None:
        _CHECKED_CA_BUNDLES.add(key)


def _read_ca_bundle(path):
    if not os.path.exists(path):
        raise AuthError(f"ca_bundle {path} does not exist; give the path of a PEM file of CA certificates")
    if os.path.isdir(path):
        raise AuthError(f"ca_bundle {path} is a directory; give the path of a PEM file of CA certificates")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise AuthError(f"ca_bundle {path} cannot be read ({exc.strerror or exc}); make it readable by the user "
                        "that runs the module") from None
    if PEM_CERTIFICATE not in data:
        raise AuthError(f"ca_bundle {path} holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' block); "
                        "convert a DER file with: openssl x509 -inform der -in CA.cer -out ca.pem")
    try:
        # A bare client context: parsing the file is the check, the system's CAs need not be loaded for it.
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError as exc:
        raise AuthError(f"ca_bundle {path} has a PEM block that is not a valid certificate ({exc.reason or exc})"
                        ) from None


def _public_ca_files():
    """The CA files TLS trusts without ``ca_bundle``: certifi's (what requests and httpx use by default)
    and the system's, when there is one."""
    files = []
    try:
        import certifi

        files.append(certifi.where())
    except ImportError:  # pragma: no cover - requests and httpx both depend on certifi
        pass
    system = ssl.get_default_verify_paths().cafile
    if system and os.path.isfile(system) and system not in files:
        files.append(system)
    return files


def trust_context(ca_bundle):
    """An SSL context trusting the public CAs *and* ``ca_bundle`` (it adds trust, never replaces it).

    The public CAs are certifi's and the system's (its CA file, and its CA directory, which OpenSSL reads
    lazily), each loaded once: ``create_default_context()`` without a file would load the system's file a
    second time (``set_default_verify_paths``)."""
    files = _public_ca_files()
    ctx = ssl.create_default_context(cafile=files[0]) if files else ssl.create_default_context()
    for path in files[1:]:
        ctx.load_verify_locations(cafile=path)
    system_dir = ssl.get_default_verify_paths().capath
    if system_dir:
        ctx.load_verify_locations(capath=system_dir)
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    return ctx


def shared_trust(ca_bundle=None):
    """The module process's one SSL context for ``ca_bundle``, for every HTTP client that takes one (httpx for
    Graph, requests for sign-in and Resource Manager through ``sign_in_transport``): built once, the CA files
    loaded once, instead of per client and per connection.

    Without ``ca_bundle`` it trusts what httpx and requests trust by default, certifi's CAs; ``None`` when a
    variable in ``_TRUST_ENV`` changes one library's default, which each then keeps."""
    if not ca_bundle and any(os.environ.get(name) for name in _TRUST_ENV):
        return None
    key = (_file_key(ca_bundle) or ("unreadable", ca_bundle)) if ca_bundle else None
    ctx = _TRUST_CONTEXTS.get(key)
    if ctx is None:
        if ca_bundle:
            ctx = trust_context(ca_bundle)
        else:
            import certifi

            ctx = ssl.create_default_context(cafile=certifi.where())
        _TRUST_CONTEXTS[key] = ctx
    return ctx


def trust_file(ca_bundle):
    """A private temporary PEM file of the public CAs plus ``ca_bundle``, for azure-identity's transport
    (``connection_verify`` takes one file, which replaces its default trust). The caller removes it."""
    fd, path = tempfile.mkstemp(prefix="entra-pim-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as out:
        for source in [*_public_ca_files(), ca_bundle]:
            with open(source, "rb") as handle:
                out.write(handle.read().rstrip(b"\n") + b"\n")
    return path


def sign_in_transport(context, verify=True, timeout=None):
    """An azure-core ``RequestsTransport`` whose TLS connections use ``context`` (``shared_trust``), for
    azure-identity's sign-in and for Resource Manager.

    requests takes no SSL context: for ``verify=True`` it hands urllib3 certifi's file and for a path that file,
    which urllib3 loads into a new context at every connection. The adapter below gives its connection pools
    ``context`` instead (the way requests' ``build_connection_pool_key_attributes`` documents for a custom
    context) when ``verify`` is True or is ``verify`` given here (the trust file of the same CAs). Any other
    value (``REQUESTS_CA_BUNDLE`` replacing True, ``False``) goes through requests unchanged, as do proxies,
    timeouts and the session's environment settings. Retries stay azure-core's (the adapter makes none)."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    own = {True, verify} if isinstance(verify, str) else {True}

    class TrustAdapter(HTTPAdapter):
        def build_connection_pool_key_attributes(self, request, verify, cert=None):
            host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
            if verify in own and urlsplit(request.url).scheme.lower() == "https":
                pool["ssl_context"] = context
                pool.pop("ca_certs", None)
                pool.pop("ca_cert_dir", None)
            return host, pool

        def cert_verify(self, conn, url, verify, cert):
            super().cert_verify(conn, url, verify, cert)
            if getattr(conn, "conn_kw", {}).get("ssl_context") is context:
                # requests names certifi's file (or the path) for urllib3 to load into the context at each
                # connection; the context already holds those CAs.
                conn.ca_certs = conn.ca_cert_dir = None

    session = requests.Session()
    # As azure-core's own session (RequestsTransport._init_session): no urllib3 retries, azure-core retries.
    adapter = TrustAdapter(max_retries=Retry(total=False, redirect=False, raise_on_status=False))
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)
    options = {"connection_verify": verify}
    if timeout:
        options.update(connection_timeout=timeout, read_timeout=timeout)
    return RequestsTransport(session=session, **options)


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
    auth = normalise_auth(auth)
    resolve_cloud(auth)
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
    if ca:
        check_ca_bundle(ca)
    if method == "access_token":
        _check_token_tenant(auth.get("access_token"), auth.get("tenant_id"))
    return method


def _check_token_tenant(token, tenant_id):
    """Refuse a token issued for another tenant than ``tenant_id``: Graph would accept it and act on
    the token's tenant, so a mixed-up inventory would silently change the wrong customer."""
    tid = token_tenant(token)
    if not tid or not tenant_id:
        return
    if not GUID.match(tenant_id):
        # A domain name cannot be compared with the token's tenant id without a request; the docs say so.
        return
    if tid.lower() != tenant_id.lower():
        raise AuthError(f"access_token was issued for tenant {tid}, but tenant_id is {tenant_id}: refusing to act "
                        f"on another tenant than the one named; get a token for tenant {tenant_id}, or correct "
                        "tenant_id")


class _StaticToken:
    """A caller-supplied bearer token (e.g. from a delegated sign-in done elsewhere)."""

    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken  # azure-core, not azure-identity: kiota's provider needs it

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


def build_credential(auth, cloud, timeout=None, verify=None, context=None):
    """The azure-identity credential for the options; never logs or returns a secret.

    ``timeout`` bounds each sign-in request (connect and read) and sign-in is retried at most twice,
    so a dead identity endpoint cannot hold a run longer than the Graph ``timeout`` promises.
    ``verify`` is the CA file the sign-in transport trusts (see ``trust_file``). ``context``, the run's SSL
    context (``shared_trust``), is what the sign-in connections of a secret, certificate, workload identity or
    password credential then use (``sign_in_transport``), instead of loading that file at each connection.
    """
    auth = normalise_auth(auth)
    method = validate_auth(auth)
    # The authority is always passed, never left to azure-identity's AZURE_AUTHORITY_HOST fallback: that
    # variable may be set by AWX to "" (which azure-identity reads as the authority "https://").
    common = {"authority": cloud["authority_host"]}
    if cloud["custom_authority"]:
        # A private authority (the emulator, a proxy) is not in Microsoft's instance list.
        common["disable_instance_discovery"] = True
    if verify or auth.get("ca_bundle"):
        common["connection_verify"] = verify or auth["ca_bundle"]
    if timeout:
        # azure-core's transport waits 300 s by default for a connection and for each read, and its retry
        # policy retries 5xx answers 10 times with back-off: bound both.
        common.update(connection_timeout=timeout, read_timeout=timeout, retry_total=2, retry_backoff_max=5)
    tenant, client = auth.get("tenant_id"), auth.get("client_id")
    if method == "access_token":
        return _StaticToken(auth["access_token"])
    # DefaultAzureCredential hands its options to every credential of its chain, one transport is not for sharing.
    own = {}
    if context is not None and method in ("client_secret", "certificate", "workload_identity", "username_password"):
        own["transport"] = sign_in_transport(context, common.get("connection_verify", True), timeout)
    from azure.identity import (
        AzureCliCredential,
        CertificateCredential,
        ClientSecretCredential,
        DefaultAzureCredential,
        ManagedIdentityCredential,
        UsernamePasswordCredential,
        WorkloadIdentityCredential,
    )

    if method == "client_secret":
        return ClientSecretCredential(tenant, client, auth["client_secret"], **common, **own)
    if method == "certificate":
        return CertificateCredential(tenant, client, certificate_path=auth["certificate_path"],
                                     password=auth.get("certificate_password"), **common, **own)
    if method == "workload_identity":
        return WorkloadIdentityCredential(tenant_id=tenant, client_id=client,
                                          token_file_path=auth["federated_token_file"], **common, **own)
    if method == "username_password":
        # A delegated (user) token, for self-service PIM actions such as activation. azure-identity
        # marks this flow deprecated because it cannot answer an MFA prompt; the token still carries
        # the user's amr claim, which is what PIM's MFA rule reads.
        if cloud["custom_authority"]:
            _skip_user_realm_discovery(cloud["authority_host"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return UsernamePasswordCredential(client, auth["username"], auth["password"], tenant_id=tenant, **common,
                                              **own)
    if method == "managed_identity":
        return ManagedIdentityCredential(client_id=client) if client else ManagedIdentityCredential()
    if method == "azure_cli":
        return AzureCliCredential(tenant_id=tenant) if tenant else AzureCliCredential()
    return DefaultAzureCredential(exclude_interactive_browser_credential=True, **common)
