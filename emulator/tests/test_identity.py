"""Token service and Graph token checks, through the real azure-identity where it can express them."""

from __future__ import annotations

import time

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from emu_harness import start_emulator, stop_emulator

SCOPE = "https://graph.microsoft.com/.default"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_ready_file_has_the_contract_keys(emu):
    assert set(emu.ready) >= {"graph_url", "authority_host", "ca_bundle", "admin_url", "admin_token", "tenants"}
    assert emu.graph_url.startswith("https://127.0.0.1:") and emu.graph_url.endswith("/v1.0")
    assert [t["name"] for t in emu.ready["tenants"]] == ["contoso", "fabrikam", "northwind"]
    app = emu.app("pim-admin")
    assert {"name", "client_id", "client_secret", "permissions"} <= set(app)
    assert "RoleManagement.ReadWrite.Directory" in app["permissions"]
    assert emu.app("pim-cert")["certificate_path"].endswith(".pem")
    upns = [u["userPrincipalName"] for u in emu.tenant()["users"]]
    assert "breakglass1@contoso.onmicrosoft.com" in upns and "breakglass2@contoso.onmicrosoft.com" in upns


def test_openid_configuration(emu):
    tid = emu.tenant()["id"]
    doc = emu.http.get(f"{emu.authority}/{tid}/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{emu.authority}/{tid}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"].startswith("https://")
    assert emu.http.get(doc["jwks_uri"]).json()["keys"][0]["kty"] == "RSA"


async def test_client_secret_credential(emu):
    from azure.identity.aio import ClientSecretCredential

    a, t = emu.app("pim-reader"), emu.tenant()
    async with ClientSecretCredential(t["id"], a["client_id"], a["client_secret"], authority=emu.authority,
                                      disable_instance_discovery=True, connection_verify=emu.ca) as cred:
        tok = await cred.get_token(SCOPE)
    c = claims(tok.token)
    assert c["tid"] == t["id"] and c["appid"] == a["client_id"] and c["aud"] == "https://graph.microsoft.com"
    assert set(c["roles"]) == set(a["permissions"]) and "scp" not in c
    assert tok.expires_on > time.time() + 3000


async def test_certificate_credential(emu):
    from azure.identity.aio import CertificateCredential

    a, t = emu.app("pim-cert"), emu.tenant("fabrikam")
    a = next(x for x in t["apps"] if x["name"] == "pim-cert")
    async with CertificateCredential(t["id"], a["client_id"], a["certificate_path"], authority=emu.authority,
                                     disable_instance_discovery=True, connection_verify=emu.ca) as cred:
        tok = await cred.get_token(SCOPE)
    assert claims(tok.token)["appid"] == a["client_id"]
    assert emu.get("/users?$top=1", token=tok.token).status_code == 200


async def test_certificate_of_another_app_is_refused(emu):
    from azure.identity.aio import CertificateCredential

    t = emu.tenant()
    other = next(x for x in emu.tenant("fabrikam")["apps"] if x["name"] == "pim-cert")
    mine = emu.app("pim-cert")
    async with CertificateCredential(t["id"], mine["client_id"], other["certificate_path"], authority=emu.authority,
                                     disable_instance_discovery=True, connection_verify=emu.ca) as cred:
        with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
            await cred.get_token(SCOPE)


async def test_bad_secret_shows_entra_message(emu):
    from azure.identity.aio import ClientSecretCredential

    a, t = emu.app(), emu.tenant()
    async with ClientSecretCredential(t["id"], a["client_id"], "wrong", authority=emu.authority,
                                      disable_instance_discovery=True, connection_verify=emu.ca) as cred:
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000215: Invalid client secret provided"):
            await cred.get_token(SCOPE)


def test_unknown_client_and_tenant(emu):
    t = emu.tenant()
    r = emu.http.post(f"{emu.authority}/{t['id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": "00000000-0000-0000-0000-000000000001",
        "client_secret": "x", "scope": SCOPE})
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"
    assert r.json()["error_codes"] == [700016] and r.json()["error_description"].startswith("AADSTS700016:")
    r = emu.http.post(f"{emu.authority}/11111111-1111-1111-1111-111111111111/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": "x", "client_secret": "x", "scope": SCOPE})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request" and r.json()["error_codes"] == [90002]
    for key in ("timestamp", "trace_id", "correlation_id"):
        assert key in r.json()


def test_password_grant_refuses_mfa_users_and_never_claims_mfa(emu):
    # ROPC "is incompatible with MFA ... users who need MFA are blocked" (identity platform, v2-oauth-ropc).
    r = emu.user_token("walter.pim")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_grant" and r.json()["error_codes"] == [50076]
    assert r.json()["error_description"].startswith("AADSTS50076: Due to a configuration change")
    c = claims(emu.user_token("wendy.nomfa").json()["access_token"])
    assert c["amr"] == ["pwd"] and c["oid"] == emu.user("wendy.nomfa")["id"]
    # turning MFA on for a user blocks their password sign-in from then on
    t = emu.tenant()
    assert emu.admin("POST", f"tenants/{t['id']}/users/{emu.user('wendy.nomfa')['id']}", {"mfa": True}).status_code \
        == 200
    assert emu.user_token("wendy.nomfa").json()["error_codes"] == [50076]
    emu.admin("POST", f"tenants/{t['id']}/users/{emu.user('wendy.nomfa')['id']}", {"mfa": False})
    assert emu.user_token("wendy.nomfa").status_code == 200


def test_interactive_signin_carries_mfa(emu):
    token = emu.signin("walter.pim")
    c = claims(token)
    assert c["amr"] == ["pwd", "mfa"] and c["oid"] == emu.user("walter.pim")["id"]
    assert "RoleAssignmentSchedule.ReadWrite.Directory" in c["scp"].split()
    me = emu.get("/me", token=token)
    assert me.status_code == 200 and me.json()["userPrincipalName"].startswith("walter.pim@")
    assert claims(emu.signin("walter.pim", mfa=False))["amr"] == ["pwd"]
    # no MFA method registered: no MFA claim either
    t, u = emu.tenant(), emu.user("wendy.nomfa")
    r = emu.admin("POST", f"tenants/{t['id']}/users/{u['id']}/signin",
                  {"client_id": emu.app("pim-cli")["client_id"], "mfa": True})
    assert r.status_code == 400 and "MFA" in r.json()["message"]


def test_password_grant_wrong_password(emu):
    a, t, u = emu.app("pim-cli"), emu.tenant(), emu.user("walter.pim")
    r = emu.http.post(f"{emu.authority}/{t['id']}/oauth2/v2.0/token", data={
        "grant_type": "password", "client_id": a["client_id"], "username": u["userPrincipalName"],
        "password": "nope", "scope": SCOPE})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant" and r.json()["error_codes"] == [50126]


def test_me_is_delegated_only(emu):
    r = emu.get("/me")
    assert r.status_code == 400 and "delegated" in r.json()["error"]["message"]


def test_forged_and_missing_tokens(emu):
    forged = jwt.encode({"aud": "https://graph.microsoft.com", "tid": emu.tenant()["id"], "appid": "x",
                         "exp": int(time.time()) + 600, "roles": ["Directory.Read.All"]}, "k" * 32, algorithm="HS256")
    for token in (forged, "not-a-jwt"):
        r = emu.get("/users", token=token)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert r.headers["WWW-Authenticate"].startswith("Bearer ")
    r = emu.http.get(emu.graph_url + "/users")
    assert r.status_code == 401 and r.json()["error"]["message"] == "Access token is empty."


def test_expired_token(tmp_path):
    # Judged against the token's own exp claim, not against how long the steps took: the emulator checks
    # exp with the wall clock this test reads too. A call answered before exp must succeed (on a stalled
    # machine a token can expire before its first use: then a fresh one is taken); once exp has passed,
    # the same token is refused.
    lifetime = 5
    short = start_emulator(tmp_path, "--token-lifetime", str(lifetime), "--tenants", "1", "--principals", "5")
    try:
        for _ in range(10):
            tok = short.token(tenant="tenant001")
            exp = claims(tok)["exp"]
            assert exp - claims(tok)["iat"] == lifetime
            first = short.get("/users", token=tok)
            if time.time() < exp:
                assert first.status_code == 200, first.text
                break
        else:
            pytest.fail(f"no call was answered within a {lifetime} s token lifetime in 10 tries")
        time.sleep(max(0.0, exp + 1.1 - time.time()))
        r = short.get("/users", token=tok)
        assert r.status_code == 401
        assert r.json()["error"] == {**r.json()["error"], "code": "InvalidAuthenticationToken",
                                     "message": "Access token has expired or is not yet valid."}
    finally:
        assert stop_emulator(short) == 0
