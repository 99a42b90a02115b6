"""The emulated Entra ID token service (v2.0 endpoints) and Graph's access-token check.

MSAL (under azure-identity) reads ``/{tenant}/v2.0/.well-known/openid-configuration`` and then posts
to the token endpoint; errors are answered in Entra's shape (``error``, ``error_description`` with
the AADSTS code first, ``error_codes``) because azure-identity shows ``error_description`` to the
user verbatim. Access tokens are RS256 JWTs signed by a key of the emulator; Graph routes verify
them and turn the claims into a ``Caller``.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from . import tls
from .contract import Caller, GraphError
from .pim.arm_errors import ArmError

if TYPE_CHECKING:
    from .emulator import Emulator

GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# Azure Resource Manager: the audiences ARM accepts (its refusal of any other names these four), the first the
# one a token for scope https://management.azure.com/.default carries.
ARM_RESOURCE = "https://management.azure.com"
ARM_AUDIENCES = (ARM_RESOURCE, ARM_RESOURCE + "/", "https://management.core.windows.net/",
                 "https://management.core.windows.net")
ARM_DELEGATED_SCOPE = "user_impersonation"  # ARM's only delegated permission ("Azure Service Management")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Scopes MSAL adds to every user flow; they are about the id token, not about Graph permissions.
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}


class AadError(Exception):
    def __init__(self, status: int, error: str, code: int, description: str):
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def response(self) -> web.Response:
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        body = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.description} Trace ID: {trace} "
                                 f"Correlation ID: {corr} Timestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        return web.json_response(body, status=self.status)


def _arm_resource(scopes: list[str]) -> str | None:
    """The ARM audience a list of requested scopes names (``https://management.azure.com/.default``,
    ``.../user_impersonation`` or the resource itself), else None."""
    for scope in scopes:
        for aud in sorted(ARM_AUDIENCES, key=len, reverse=True):
            base = aud.rstrip("/")
            if scope == aud or scope.startswith(base + "/") and scope[len(base) + 1:].lstrip("/") in (
                    ".default", ARM_DELEGATED_SCOPE, ""):
                return aud
    return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class TokenService:
    def __init__(self, emu: Emulator):
        self.emu = emu
        self._key_cache: tuple = (None, None, None)

    # -- keys -----------------------------------------------------------------------------------

    @property
    def _private_key(self):
        # Loading a PEM key validates it (tens of ms); cache per PEM so verifying stays cheap.
        pem = self.emu.signing_key_pem
        if self._key_cache[0] != pem:
            key = serialization.load_pem_private_key(pem.encode(), password=None)
            self._key_cache = (pem, key, key.public_key())
        return self._key_cache[1]

    @property
    def _public_key(self):
        self._private_key  # noqa: B018 - refreshes the cache
        return self._key_cache[2]

    @property
    def kid(self) -> str:
        return self.emu.signing_kid

    def jwks(self) -> dict:
        pub = self._public_key.public_numbers()

        def enc(n: int) -> str:
            return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        key = {"kty": "RSA", "use": "sig", "kid": self.kid, "n": enc(pub.n), "e": enc(pub.e), "alg": "RS256"}
        return {"keys": [key]}

    def _sign(self, claims: dict) -> str:
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    # -- discovery ------------------------------------------------------------------------------

    def openid_configuration(self, request: web.Request) -> web.Response:
        ref = request.match_info["tenant"]
        tenant = self.emu.tenant_by_ref(ref)
        if tenant is None and ref not in ("common", "organizations", "consumers"):
            return AadError(400, "invalid_tenant", 90002, f"Tenant '{ref}' not found. Check to make sure you have the "
                            "correct tenant ID and are signing into the correct cloud.").response()
        base = f"{self.emu.base_url}/{ref}"
        tid = tenant.id if tenant else "{tenantid}"
        return web.json_response({
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{self.emu.base_url}/{ref}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{self.emu.base_url}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.emu.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        })

    def keys(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks())

    def instance_discovery(self, request: web.Request) -> web.Response:
        host = request.host
        return web.json_response({
            "tenant_discovery_endpoint": f"{self.emu.base_url}/common/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        })

    def user_realm(self, request: web.Request) -> web.Response:
        # MSAL asks before a resource-owner password flow whether the domain is federated.
        username = request.match_info["username"]
        return web.json_response({"ver": "1.0", "account_type": "Managed", "domain_name": username.partition("@")[2],
                                  "cloud_instance_name": "microsoftonline.com",
                                  "cloud_audience_urn": "urn:federation:MicrosoftOnline"})

    # -- token endpoint -------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        self.emu.stats.count_token()
        try:
            form = dict(await request.post())
            tenant = self.emu.tenant_by_ref(request.match_info["tenant"])
            if tenant is None:
                ref = request.match_info["tenant"]
                raise AadError(400, "invalid_request", 90002, f"Tenant '{ref}' not found. Check to make sure you have "
                               "the correct tenant ID and are signing into the correct cloud. Check with your "
                               "subscription administrator, this may happen if there are no active subscriptions "
                               "for the tenant.")
            grant = form.get("grant_type", "")
            if grant == "client_credentials":
                body = self._client_credentials(request, tenant, form)
            elif grant == "password":
                body = self._password(request, tenant, form)
            elif grant == "refresh_token":
                body = self._refresh(tenant, form)
            elif not grant:
                raise AadError(400, "invalid_request", 900144,
                               "The request body must contain the following parameter: 'grant_type'.")
            else:
                raise AadError(400, "unsupported_grant_type", 70003,
                               f"The app requested an unsupported grant type '{grant}'.")
        except AadError as err:
            return err.response()
        return web.json_response(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

    def _app(self, tenant, client_id: str) -> dict:
        app = self.emu.find_app(tenant, client_id)
        if app is None:
            raise AadError(400, "unauthorized_client", 700016,
                           f"Application with identifier '{client_id}' was not found in the directory '{tenant.name}'. "
                           "This can happen if the application has not been installed by the administrator of the "
                           "tenant or consented to by any user in the tenant. You may have sent your authentication "
                           "request to the wrong tenant.")
        return app

    def _authenticate_client(self, request: web.Request, tenant, app: dict, form: dict, required: bool) -> None:
        client_id = app["appId"]
        if form.get("client_assertion"):
            self._check_assertion(request, tenant, app, form)
        elif form.get("client_secret"):
            if form["client_secret"] != app.get("_secret"):
                raise AadError(401, "invalid_client", 7000215,
                               "Invalid client secret provided. Ensure the secret being sent in the request is the "
                               "client secret value, not the client secret ID, for a secret added to app "
                               f"'{client_id}'.")
        elif required:
            raise AadError(401, "invalid_client", 7000218,
                           "The request body must contain the following parameter: 'client_assertion' or "
                           "'client_secret'.")

    def _check_assertion(self, request: web.Request, tenant, app: dict, form: dict) -> None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from None
        cert_pem = app.get("_cert_pem")
        # azure-identity pads the base64url thumbprint, MSAL does not: compare without padding.
        presented = (header.get("x5t#S256") or header.get("x5t") or "").rstrip("=")
        if not cert_pem:
            raise AadError(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - "
                           f"The key was not found., Thumbprint of key used by client: '{presented}']")
        expected = {tls.thumbprint_b64url(cert_pem), tls.thumbprint_b64url(cert_pem, sha256=True)}
        if presented and presented not in expected:
            raise AadError(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - "
                           f"The key was not found., Thumbprint of key used by client: '{presented}', Found key "
                           f"'Start=..., End=...', Please visit the Azure Portal, Graph Explorer or directly use MS "
                           f"Graph to see configured keys for app Id '{app['appId']}'.]")
        try:
            claims = jwt.decode(assertion, tls.public_key_pem(cert_pem), algorithms=["RS256", "PS256"],
                                options={"verify_aud": False, "require": ["exp", "iss", "sub", "aud"]}, leeway=300)
        except jwt.ExpiredSignatureError:
            raise AadError(401, "invalid_client", 700024,
                           "Client assertion is not within its valid time range.") from None
        except jwt.PyJWTError:
            raise AadError(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - "
                           "The signature could not be verified with the registered certificate.]") from None
        if claims.get("iss") != app["appId"] or claims.get("sub") != app["appId"]:
            raise AadError(401, "invalid_client", 700021,
                           "Client assertion application identifier doesn't match 'client_id' parameter.")
        # MSAL puts the token endpoint in ``aud``; Entra also accepts the issuer URL of the tenant.
        aud = claims.get("aud")
        auds = set(aud if isinstance(aud, list) else [aud])
        ref = request.match_info["tenant"]
        valid = {f"{self.emu.base_url}/{r}/oauth2/v2.0/token" for r in (ref, tenant.id, tenant.name)}
        valid |= {f"{self.emu.base_url}/{tenant.id}/v2.0", f"{self.emu.base_url}/{tenant.id}/"}
        if not auds & valid:
            # Entra's wording for this case is not documented; AADSTS50013 is its audience error.
            raise AadError(401, "invalid_client", 50013, f"Assertion audience claim does not match the required "
                           f"value. Expected one of {sorted(valid)}.")

    def _scope_resource(self, scope: str) -> list[str]:
        return [s for s in scope.split() if s and s not in OIDC_SCOPES]

    def _client_credentials(self, request: web.Request, tenant, form: dict) -> dict:
        client_id = form.get("client_id", "")
        if not client_id:
            raise AadError(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: 'client_id'.")
        app = self._app(tenant, client_id)
        self._authenticate_client(request, tenant, app, form, required=True)
        scopes = self._scope_resource(form.get("scope", ""))
        if not scopes:
            raise AadError(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: 'scope'.")
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise AadError(400, "invalid_scope", 1002012, f"The provided value for scope {' '.join(scopes)} is not "
                           "valid. Client credential flows must have a scope value with /.default suffixed to the "
                           "resource identifier (application ID URI).")
        resource = scopes[0][: -len("/.default")]
        if resource in ARM_AUDIENCES:
            # ARM authorizes with Azure RBAC, not app roles: the token carries no roles.
            sp = self.emu.find_sp(tenant, client_id)
            claims = self._base_claims(tenant, app, resource)
            claims.update({"oid": sp["id"] if sp else app["id"], "sub": sp["id"] if sp else app["id"],
                           "idtyp": "app"})
            return self._token_response(claims)
        if resource not in (GRAPH_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE + "/"):
            raise AadError(400, "invalid_resource", 500011, f"The resource principal named {resource} was not found "
                           f"in the tenant named {tenant.name}. This can happen if the application has not been "
                           "installed by the administrator of the tenant or consented to by any user in the tenant.")
        sp = self.emu.find_sp(tenant, client_id)
        claims = self._base_claims(tenant, app)
        claims.update({"oid": sp["id"] if sp else app["id"], "sub": sp["id"] if sp else app["id"],
                       "idtyp": "app", "roles": sorted(app.get("_permissions", []))})
        return self._token_response(claims)

    def _user_by_upn(self, tenant, username: str) -> dict | None:
        low = username.lower()
        return next((u for u in tenant.coll("users").values() if u.get("userPrincipalName", "").lower() == low), None)

    def _delegated_scopes(self, app: dict, requested: list[str]) -> list[str]:
        granted = set(app.get("_delegated_permissions", []))
        out: set[str] = set()
        for scope in requested:
            if scope.endswith("/.default"):
                out |= granted
                continue
            name = scope.rsplit("/", 1)[-1] if scope.startswith(("https://", GRAPH_APP_ID)) else scope
            if name in granted:
                out.add(name)
        return sorted(out)

    def _password(self, request: web.Request, tenant, form: dict) -> dict:
        app = self._app(tenant, form.get("client_id", ""))
        if not app.get("_public_client"):
            self._authenticate_client(request, tenant, app, form, required=True)
        user = self._user_by_upn(tenant, form.get("username", ""))
        if user is None or form.get("password") != user.get("_password") or not user.get("accountEnabled", True):
            raise AadError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or "
                           "password.")
        if user.get("_mfa"):
            # "Microsoft recommends you do not use the ROPC flow; it's incompatible with multifactor
            # authentication (MFA)" and "If users need to use multifactor authentication (MFA) to log in to
            # the application, they will be blocked instead" (Microsoft identity platform, "OAuth 2.0 Resource
            # Owner Password Credentials", learn.microsoft.com/entra/identity-platform/v2-oauth-ropc).
            # A seed user with ``mfa`` has MFA registered and required, so Entra answers AADSTS50076
            # (UserStrongAuthClientAuthNRequired, "Microsoft Entra authentication and authorization error
            # codes"); AADSTS50079 is for users who still have to enrol, which the seed does not model.
            raise AadError(400, "invalid_grant", 50076, "Due to a configuration change made by your administrator, "
                           "or because you moved to a new location, you must use multi-factor authentication to "
                           f"access '{GRAPH_APP_ID}'.")
        requested = self._scope_resource(form.get("scope", ""))
        if _arm_resource(requested):
            return self._user_tokens(tenant, app, user, [ARM_DELEGATED_SCOPE], amr=["pwd"],
                                     resource=_arm_resource(requested))
        scopes = self._delegated_scopes(app, requested)
        # A password alone is one factor: the token says so, whatever the user has registered.
        return self._user_tokens(tenant, app, user, scopes, amr=["pwd"])

    def _refresh(self, tenant, form: dict) -> dict:
        try:
            doc = jwt.decode(form.get("refresh_token", ""), self._public_key, algorithms=["RS256"],
                             audience="refresh")
        except jwt.PyJWTError:
            raise AadError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.") from None
        app = self._app(tenant, form.get("client_id", ""))
        user = tenant.coll("users").get(doc["oid"])
        if user is None or doc.get("tid") != tenant.id:
            raise AadError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or "
                           "password.")
        # A refreshed token keeps the authentication methods of the sign-in it came from; MSAL redeems one
        # refresh token for another resource (ARM after Graph), so the requested scope picks the audience.
        arm = _arm_resource(self._scope_resource(form.get("scope", "")))
        if arm:
            return self._user_tokens(tenant, app, user, [ARM_DELEGATED_SCOPE], amr=list(doc.get("amr") or ["pwd"]),
                                     acrs=doc.get("acrs"), resource=arm, refresh_scopes=doc.get("scp", []))
        scopes = doc.get("scp", [])
        if doc.get("res") == ARM_RESOURCE:
            scopes = sorted(set(app.get("_delegated_permissions", [])))
        return self._user_tokens(tenant, app, user, scopes, amr=list(doc.get("amr") or ["pwd"]),
                                 acrs=doc.get("acrs"))

    def interactive_tokens(self, tenant, client_id: str, user: dict, mfa: bool, acrs: list[str] | None = None,
                           resource: str | None = None) -> dict:
        """The tokens an interactive sign-in (browser, ``az login``, device code) would give ``user``.

        Used by the admin API: tests sign in "as a person would", with MFA when the user has it, and
        hand the access token to the modules' ``access_token`` option. Entra refuses MFA to a user with
        no method registered, so ``mfa`` is only granted to users whose seed says ``mfa``.
        """
        app = self._app(tenant, client_id)
        if mfa and not user.get("_mfa"):
            raise ValueError(f"user {user.get('userPrincipalName')!r} has no MFA method registered")
        amr = ["pwd", "mfa"] if mfa else ["pwd"]
        acrs = acrs if acrs is not None else user.get("_acrs")
        arm = _arm_resource([resource or ""]) if resource else None
        if resource and not arm and resource.rstrip("/") != GRAPH_RESOURCE:
            raise ValueError(f"resource must be {GRAPH_RESOURCE} or {ARM_RESOURCE}, not {resource!r}")
        if arm:
            return self._user_tokens(tenant, app, user, [ARM_DELEGATED_SCOPE], amr=amr, acrs=acrs, resource=arm)
        scopes = sorted(set(app.get("_delegated_permissions", [])))
        return self._user_tokens(tenant, app, user, scopes, amr=amr, acrs=acrs)

    def _user_tokens(self, tenant, app: dict, user: dict, scopes: list[str], amr: list[str],
                     acrs: list[str] | None = None, resource: str = GRAPH_RESOURCE,
                     refresh_scopes: list[str] | None = None) -> dict:
        if acrs is None and "mfa" in amr:
            acrs = user.get("_acrs")
        claims = self._base_claims(tenant, app, resource)
        claims.update({"oid": user["id"], "sub": user["id"], "idtyp": "user", "scp": " ".join(scopes), "amr": amr,
                       "upn": user.get("userPrincipalName"), "name": user.get("displayName"),
                       "unique_name": user.get("userPrincipalName")})
        if acrs:
            claims["acrs"] = list(acrs)
        body = self._token_response(claims)
        now = int(time.time())
        body["scope"] = " ".join(f"{resource.rstrip('/')}/{s}" for s in scopes) + " openid profile offline_access"
        body["id_token"] = self._sign({
            "aud": app["appId"], "iss": f"{self.emu.base_url}/{tenant.id}/v2.0", "iat": now, "nbf": now,
            "exp": now + 3600, "oid": user["id"], "sub": user["id"], "tid": tenant.id, "ver": "2.0",
            "preferred_username": user.get("userPrincipalName"), "name": user.get("displayName"),
        })
        body["client_info"] = _b64url(json.dumps({"uid": user["id"], "utid": tenant.id}).encode())
        # The refresh token keeps the Graph scopes granted (an ARM sign-in keeps the app's delegated ones), so
        # that redeeming it for Graph later answers what a Graph sign-in would.
        kept = refresh_scopes if refresh_scopes is not None else scopes
        body["refresh_token"] = self._sign({"aud": "refresh", "oid": user["id"], "tid": tenant.id, "scp": kept,
                                            "res": resource.rstrip("/") if resource in ARM_AUDIENCES else None,
                                            "amr": amr, "acrs": list(acrs or []), "iat": now, "exp": now + 86400})
        return body

    def _base_claims(self, tenant, app: dict, audience: str = GRAPH_RESOURCE) -> dict:
        now = int(time.time())
        return {
            "aud": audience, "iss": f"https://sts.windows.net/{tenant.id}/", "iat": now, "nbf": now,
            "exp": now + self.emu.settings.token_lifetime, "tid": tenant.id, "appid": app["appId"],
            "app_displayname": app.get("displayName"), "appidacr": "1", "ver": "1.0",
            "uti": _b64url(uuid.uuid4().bytes),
        }

    def _token_response(self, claims: dict) -> dict:
        lifetime = claims["exp"] - claims["iat"]
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                "access_token": self._sign(claims)}

    # -- Graph side -----------------------------------------------------------------------------

    def verify(self, authorization: str | None) -> Caller:
        """Turn a bearer header into a Caller, or raise 401 ``InvalidAuthenticationToken``."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._unauthorized("Access token is empty.")
        try:
            claims = jwt.decode(token.strip(), self._public_key, algorithms=["RS256"],
                                audience=[GRAPH_RESOURCE, GRAPH_APP_ID, GRAPH_RESOURCE + "/"],
                                options={"require": ["exp", "tid", "appid"]})
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
            raise self._unauthorized("Access token has expired or is not yet valid.") from None
        except jwt.InvalidAudienceError:
            raise self._unauthorized("Access token validation failure. Invalid audience.") from None
        except jwt.DecodeError as err:
            if "Signature" in str(err) or "signature" in str(err):
                raise self._unauthorized("Access token validation failure.") from None
            raise self._unauthorized("IDX14100: JWT is not well formed, there are no dots (.).") from None
        except jwt.PyJWTError:
            raise self._unauthorized("Access token validation failure.") from None
        tenant = self.emu.tenants.get(claims["tid"])
        if tenant is None:
            # A token of a tenant this emulator does not hold: Graph cannot route it.
            raise self._unauthorized("Access token validation failure. Invalid tenant.")
        if "scp" in claims:
            perms = frozenset(s for s in str(claims["scp"]).split() if s)
            return Caller(tenant_id=tenant.id, app_id=claims["appid"], permissions=perms, user_id=claims.get("oid"),
                          amr=tuple(claims.get("amr", ())), acrs=tuple(claims.get("acrs", ())))
        return Caller(tenant_id=tenant.id, app_id=claims["appid"], permissions=frozenset(claims.get("roles", ())))

    # -- ARM side -------------------------------------------------------------------------------

    def verify_arm(self, authorization: str | None) -> Caller:
        """A bearer header into a Caller for Azure Resource Manager, or ARM's 401: ``AuthenticationFailed``
        (no header), ``InvalidAuthenticationToken`` (malformed or bad signature), ``ExpiredAuthenticationToken``,
        ``InvalidAuthenticationTokenAudience`` (a token for another resource, e.g. Graph's) and
        ``InvalidAuthenticationTokenTenant`` (a tenant this emulator does not hold). Codes and texts as ARM sends
        them ("Troubleshoot common Azure deployment errors" lists the codes; the texts are ARM's answers)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._arm_unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header "
                                         "is missing.")
        try:
            claims = jwt.decode(token.strip(), self._public_key, algorithms=["RS256"],
                                options={"verify_aud": False, "verify_exp": False, "require": ["exp", "tid", "appid"]})
        except jwt.PyJWTError:
            raise self._arm_unauthorized("InvalidAuthenticationToken", "The access token is invalid.") from None
        aud = claims.get("aud")
        if aud not in ARM_AUDIENCES:
            allowed = ",".join(f"'{a}'" for a in ("https://management.core.windows.net/",
                                                  "https://management.core.windows.net",
                                                  "https://management.azure.com/", "https://management.azure.com"))
            raise self._arm_unauthorized("InvalidAuthenticationTokenAudience", "The access token has been obtained "
                                         f"for wrong audience or resource '{aud}'. It should exactly match with one "
                                         f"of the allowed audiences {allowed}.")
        now = time.time()
        if float(claims["exp"]) <= now:
            fmt = "%m/%d/%Y %H:%M:%S"
            exp = datetime.fromtimestamp(float(claims["exp"]), timezone.utc).strftime(fmt)
            raise self._arm_unauthorized("ExpiredAuthenticationToken", f"The access token expiry UTC time '{exp}' is "
                                         "earlier than current UTC time "
                                         f"'{datetime.now(timezone.utc).strftime(fmt)}'.")
        tenant = self.emu.tenants.get(claims["tid"])
        if tenant is None:
            raise self._arm_unauthorized("InvalidAuthenticationTokenTenant", f"The access token is from the wrong "
                                         f"issuer '{claims.get('iss')}'. It must match the tenant associated with "
                                         "this subscription.")
        user = claims.get("oid") if claims.get("idtyp") == "user" else None
        return Caller(tenant_id=tenant.id, app_id=claims["appid"], permissions=frozenset(), user_id=user,
                      amr=tuple(claims.get("amr", ())), acrs=tuple(claims.get("acrs", ())))

    def _arm_unauthorized(self, code: str, message: str) -> GraphError:
        header = (f'Bearer authorization_uri="{self.emu.base_url}/", error="invalid_token", '
                  f'error_description="{message}"')
        return ArmError(401, code, message, headers={"WWW-Authenticate": header})

    def _unauthorized(self, message: str) -> GraphError:
        header = (f'Bearer realm="", authorization_uri="{self.emu.base_url}/common/oauth2/authorize", '
                  f'client_id="{GRAPH_APP_ID}"')
        return GraphError(401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": header})

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/{tenant}/v2.0/.well-known/openid-configuration", self.openid_configuration),
            web.get("/{tenant}/.well-known/openid-configuration", self.openid_configuration),
            web.get("/{tenant}/discovery/v2.0/keys", self.keys),
            web.get("/common/discovery/instance", self.instance_discovery),
            web.get("/common/userrealm/{username}", self.user_realm),
            web.post("/{tenant}/oauth2/v2.0/token", self.token),
        ]
