# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_auth without a network: empty options, endpoints, ca_bundle checks, token tenants, credentials."""

from __future__ import annotations

import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading

import certifi
import pytest

from ansible_collections.entra.pim.plugins.module_utils import _auth
from ansible_collections.entra.pim.plugins.module_utils._auth import (
    AuthError,
    build_credential,
    check_ca_bundle,
    normalise_auth,
    resolve_cloud,
    shared_trust,
    sign_in_transport,
    token_tenant,
    trust_context,
    trust_file,
    validate_auth,
)

TENANT = "11111111-2222-3333-4444-555555555555"
OTHER = "99999999-8888-7777-6666-555555555555"
SECRET = {"tenant_id": TENANT, "client_id": "c0ffee00-0000-0000-0000-000000000001", "client_secret": "s3cr3t"}


def jwt(claims):
    def part(doc):
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def server_tls(tmp_path):
    """A real CA and a server certificate for 127.0.0.1 (generated as the emulator does)."""
    from pim_emulator.tls import make_server_tls

    return make_server_tls(str(tmp_path / "tls"))


@pytest.fixture
def ca_pem(server_tls):
    return server_tls.ca_path


@pytest.fixture
def https_url(server_tls):
    """A local HTTPS server with that certificate, answering every GET with 200 and ``{}``."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_tls.ssl_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


# -- empty means unset (issue 17.2) -------------------------------------------------------------
def test_blank_values_are_unset_and_secrets_are_not_trimmed():
    out = normalise_auth({"authority_host": "", "graph_url": "  ", "client_secret": " x ", "max_retries": 0})
    assert out == {"authority_host": None, "graph_url": None, "client_secret": " x ", "max_retries": 0}


def test_empty_endpoints_mean_the_public_cloud():
    cloud = resolve_cloud({"cloud": "", "graph_url": "", "authority_host": ""})
    assert cloud["graph_url"] == "https://graph.microsoft.com/v1.0"
    assert cloud["authority_host"] == "https://login.microsoftonline.com"
    assert cloud["custom_authority"] is False


def test_empty_azure_authority_host_in_the_environment_does_not_break_sign_in(monkeypatch):
    # AWX injects AZURE_AUTHORITY_HOST="" for an empty field; azure-identity alone makes it "https://".
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "")
    auth = {**SECRET, "authority_host": ""}
    cred = build_credential(auth, resolve_cloud(auth))
    assert cred._authority == "https://login.microsoftonline.com"


def test_empty_optional_options_do_not_change_the_method():
    assert validate_auth({**SECRET, "certificate_path": "", "federated_token_file": "", "access_token": "",
                          "ca_bundle": "", "username": "", "password": ""}) == "client_secret"


def test_authority_without_scheme_gets_https_like_azure_identity():
    assert resolve_cloud({"authority_host": "login.microsoftonline.us"})["authority_host"] == \
        "https://login.microsoftonline.us"


# -- plain HTTP (issue 17.7) ------------------------------------------------------------------
def test_http_graph_url_is_refused_without_the_opt_in():
    with pytest.raises(AuthError, match="clear text.*allow_insecure_http"):
        resolve_cloud({"graph_url": "http://127.0.0.1:8080/v1.0"})


def test_http_graph_url_on_loopback_with_the_opt_in():
    for url in ("http://127.0.0.1:8080/v1.0", "http://localhost:1/v1.0", "http://[::1]:9/v1.0"):
        assert resolve_cloud({"graph_url": url, "allow_insecure_http": True})["graph_url"] == url


def test_http_graph_url_elsewhere_is_refused_even_with_the_opt_in():
    with pytest.raises(AuthError, match="not a loopback address"):
        resolve_cloud({"graph_url": "http://graph.example.test/v1.0", "allow_insecure_http": True})


def test_http_authority_is_always_refused():
    with pytest.raises(AuthError, match="authority_host http://127.0.0.1:1 is plain HTTP"):
        resolve_cloud({"authority_host": "http://127.0.0.1:1", "allow_insecure_http": True})


def test_validate_auth_checks_endpoints_before_anything_is_sent():
    with pytest.raises(AuthError, match="graph_url"):
        validate_auth({**SECRET, "graph_url": "http://graph.example.test/v1.0"})


def test_not_a_url():
    with pytest.raises(AuthError, match="is not an https:// URL"):
        resolve_cloud({"graph_url": "graph.microsoft.com/v1.0"})


# -- access_token of another tenant (issue 17.4) ------------------------------------------------
def test_token_tenant():
    assert token_tenant(jwt({"tid": TENANT, "oid": "x"})) == TENANT
    assert token_tenant("opaque-token") is None
    assert token_tenant(jwt({"oid": "x"})) is None
    assert token_tenant("a.%%%.c") is None


def test_access_token_of_another_tenant_is_refused_naming_both():
    token = jwt({"tid": OTHER})
    with pytest.raises(AuthError) as err:
        validate_auth({"auth_method": "access_token", "access_token": token, "tenant_id": TENANT})
    assert OTHER in str(err.value) and TENANT in str(err.value)
    assert token not in str(err.value)


def test_access_token_of_the_named_tenant_or_without_tenant_id_is_accepted():
    token = jwt({"tid": TENANT})
    assert validate_auth({"access_token": token, "tenant_id": TENANT.upper()}) == "access_token"
    assert validate_auth({"access_token": jwt({"tid": OTHER})}) == "access_token"
    # a domain cannot be compared offline (documented in the auth fragment)
    assert validate_auth({"access_token": token, "tenant_id": "contoso.onmicrosoft.com"}) == "access_token"


# -- ca_bundle (issue 17.7) ---------------------------------------------------------------------
def test_missing_ca_bundle(tmp_path):
    with pytest.raises(AuthError, match="does not exist"):
        check_ca_bundle(str(tmp_path / "nope.pem"))


def test_directory_ca_bundle(tmp_path):
    with pytest.raises(AuthError, match="is a directory"):
        check_ca_bundle(str(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_ca_bundle(ca_pem):
    os.chmod(ca_pem, 0)
    with pytest.raises(AuthError, match="cannot be read"):
        check_ca_bundle(ca_pem)


def test_ca_bundle_without_a_pem_certificate(tmp_path):
    der = tmp_path / "ca.cer"
    der.write_bytes(b"\x30\x82\x01\x0a binary DER")
    with pytest.raises(AuthError, match="holds no PEM certificate.*openssl x509 -inform der"):
        check_ca_bundle(str(der))


def test_ca_bundle_with_a_broken_certificate(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    with pytest.raises(AuthError, match="not a valid certificate"):
        check_ca_bundle(str(bad))


def test_good_ca_bundle(ca_pem):
    check_ca_bundle(ca_pem)
    assert validate_auth({**SECRET, "ca_bundle": ca_pem}) == "client_secret"


def _ca_count(ctx):
    return ctx.cert_store_stats()["x509_ca"]


def test_ca_bundle_context_trusts_every_public_file_and_the_bundle(ca_pem):
    # trust_context leaves out the system file create_default_context has loaded already (issue 15): the
    # certificates it trusts are exactly those of every file loaded one by one.
    full = ssl.create_default_context()
    for path in [*_auth._public_ca_files(), ca_pem]:
        full.load_verify_locations(cafile=path)
    ders = set(trust_context(ca_pem).get_ca_certs(binary_form=True))
    assert ders == set(full.get_ca_certs(binary_form=True))
    assert ssl.PEM_cert_to_DER_cert(open(ca_pem).read()) in ders


def test_ca_bundle_adds_to_the_public_cas(ca_pem):
    public = ssl.create_default_context(cafile=certifi.where())
    ctx = trust_context(ca_pem)
    # every public CA is still trusted, plus the emulator's
    assert _ca_count(ctx) >= _ca_count(public) + 1 > 1
    path = trust_file(ca_pem)
    try:
        data = open(path, "rb").read()
        assert open(ca_pem, "rb").read().strip() in data
        assert open(certifi.where(), "rb").read().strip() in data
        assert os.stat(path).st_mode & 0o077 == 0  # private: mkstemp's 0600
    finally:
        os.unlink(path)


def test_the_ca_bundle_is_checked_once_per_file_and_again_when_it_changes(ca_pem, monkeypatch):
    reads = []
    real = _auth._read_ca_bundle
    monkeypatch.setattr(_auth, "_read_ca_bundle", lambda path: (reads.append(path), real(path)))
    auth = {**SECRET, "ca_bundle": ca_pem, "authority_host": "https://127.0.0.1:8443"}
    for _attempt in range(3):  # the module's check_auth(), twice, and graph()
        validate_auth(auth)
    build_credential(auth, resolve_cloud(auth))  # validates again before signing in
    assert reads == [ca_pem]
    with open(ca_pem, "a") as handle:  # changed since: checked again, and refused with the same message
        handle.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    with pytest.raises(AuthError, match="not a valid certificate"):
        validate_auth(auth)
    with pytest.raises(AuthError, match="does not exist"):
        validate_auth({**auth, "ca_bundle": ca_pem + ".gone"})


def test_one_ssl_context_per_process_and_ca_bundle(ca_pem, monkeypatch):
    for name in _auth._TRUST_ENV:
        monkeypatch.delenv(name, raising=False)
    assert shared_trust(ca_pem) is shared_trust(ca_pem)
    public = shared_trust(None)
    assert public is shared_trust() and public is not shared_trust(ca_pem)
    # without ca_bundle: certifi's CAs, what httpx and requests trust by default
    assert _ca_count(public) == _ca_count(ssl.create_default_context(cafile=certifi.where()))
    assert _ca_count(shared_trust(ca_pem)) >= _ca_count(public) + 1
    # a variable that changes a library's default trust: each library keeps its own
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_pem)
    assert shared_trust(None) is None and shared_trust(ca_pem) is not None


def test_the_sign_in_transport_connects_with_the_shared_context_not_a_file(ca_pem, https_url):
    from azure.core.rest import HttpRequest

    trusted = shared_trust(ca_pem)
    transport = sign_in_transport(trusted, verify=ca_pem, timeout=5)
    with transport:
        assert transport.send(HttpRequest("GET", https_url)).status_code == 200
        assert transport.send(HttpRequest("GET", https_url)).status_code == 200
        manager = transport.session.get_adapter(https_url).poolmanager
        pools = [manager.pools[key] for key in manager.pools.keys()]
        assert [(pool.conn_kw.get("ssl_context"), pool.ca_certs) for pool in pools] == [(trusted, None)]
    assert (transport.connection_config.timeout, transport.connection_config.read_timeout) == (5, 5)
    # The context decides, not the file: the same file with a context that does not trust the CA is refused.
    public_only = ssl.create_default_context(cafile=certifi.where())
    with sign_in_transport(public_only, verify=ca_pem) as transport, \
            pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        transport.send(HttpRequest("GET", https_url))


def test_a_secret_credential_signs_in_through_the_shared_context(ca_pem, monkeypatch):
    contexts = []
    real = _auth.sign_in_transport
    monkeypatch.setattr(_auth, "sign_in_transport",
                        lambda context, verify=True, timeout=None: (contexts.append((context, verify)),
                                                                    real(context, verify, timeout))[1])
    auth = {**SECRET, "ca_bundle": ca_pem, "authority_host": "https://127.0.0.1:8443"}
    context = shared_trust(ca_pem)
    cred = build_credential(auth, resolve_cloud(auth), timeout=7, verify="/tmp/trust.pem", context=context)
    transport = cred._client._pipeline._transport
    assert contexts == [(context, "/tmp/trust.pem")]
    assert (transport.connection_config.timeout, transport.connection_config.read_timeout) == (7, 7)
    assert transport.connection_config.verify == "/tmp/trust.pem"
    # an access token signs in nowhere; DefaultAzureCredential shares no transport between its credentials
    build_credential({"access_token": "a.b.c"}, resolve_cloud({}), context=context)
    build_credential({"auth_method": "auto"}, resolve_cloud({}), context=context)
    assert len(contexts) == 1


# -- credentials: bounded sign-in ---------------------------------------------------------------
def test_sign_in_is_bounded_by_timeout():
    cred = build_credential(SECRET, resolve_cloud(SECRET), timeout=7)
    transport = cred._client._pipeline._transport
    assert (transport.connection_config.timeout, transport.connection_config.read_timeout) == (7, 7)


def test_custom_authority_turns_instance_discovery_off():
    auth = {**SECRET, "authority_host": "https://127.0.0.1:8443"}
    cred = build_credential(auth, resolve_cloud(auth))
    assert cred._authority == "https://127.0.0.1:8443"


def test_no_secret_in_auth_errors():
    with pytest.raises(AuthError) as err:
        validate_auth({"client_secret": "s3cr3t-value", "client_id": "c"})
    assert "s3cr3t-value" not in str(err.value) and "tenant_id" in str(err.value)


def test_module_imports_without_the_sdk():
    """_auth must import (and report missing libraries) without azure-identity installed."""
    code = ("import sys; sys.modules['azure'] = None; sys.modules['azure.identity'] = None; "
            "sys.modules['azure.core'] = None; sys.modules['azure.core.credentials'] = None; "
            "from ansible_collections.entra.pim.plugins.module_utils import _auth; "
            "print(_auth.HAS_AZURE_IDENTITY)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "False"


def test_the_sign_in_transport_leaves_any_other_verify_to_requests(ca_pem, https_url, monkeypatch):
    """Only True (no variable replaced it) and the trust file named use the shared context: a REQUESTS_CA_BUNDLE
    that replaces True is requests' own business, as before."""
    from azure.core.rest import HttpRequest

    public_only = ssl.create_default_context(cafile=certifi.where())  # would refuse the local server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_pem)  # requests turns verify=True into this file
    with sign_in_transport(public_only, verify=True) as transport:
        assert transport.send(HttpRequest("GET", https_url)).status_code == 200
