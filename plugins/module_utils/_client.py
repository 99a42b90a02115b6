# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One Microsoft Graph session per module run: credential, token, event loop, msgraph-sdk client.

Private to the collection (leading underscore): may change in any release.

Every call goes through msgraph-sdk's ``GraphRequestAdapter`` (its middleware, its
azure-identity authentication provider) but asks for raw JSON bytes instead of model objects:
the planning code works on Graph's own JSON, so nothing is parsed twice and the emulator and
Microsoft see byte-for-byte the same requests.

Retries are ours, not kiota's: kiota's RetryHandler reads ``Retry-After`` with ``int()`` and
so ignores Graph's fractional values ("2.128"), and it cannot retry the items of a ``$batch``
that were throttled one by one. We disable it and retry 429/503/504 here, honouring
``Retry-After`` to the millisecond (or as an HTTP date), for single requests and batch items alike,
whatever the body of the answer (a gateway's HTML page included).

A connection reset, a timeout or a body cut short is retried (boundedly) for a request that only
reads. For a write it is not: the write may have landed, so ``WriteOutcomeUnknown`` is raised and the
caller decides by re-reading. Every loop over retries and pages is bounded.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import math
import os
import random
import re
import ssl
import sys
import time
import types
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

from ._auth import build_credential, normalise_auth, resolve_cloud, shared_trust, trust_file

# msgraph-sdk, kiota and httpx are imported where a Graph session is opened (``_graph_sdk``), not here: a module
# process that only talks to Resource Manager (the pim_azure_* modules, which import this file for the error
# types) never opens one, and importing them costs ~0.1 CPU-s and ~10 MB (issue 15). Here only whether they are
# installed, so a module still fails at its start, through missing_required_lib, when one is missing.
_GRAPH_PACKAGES = ("httpx", "kiota_abstractions", "kiota_authentication_azure", "kiota_http",
                   "kiota_serialization_json", "msgraph", "msgraph_core")
try:
    _MISSING = [name for name in _GRAPH_PACKAGES if importlib.util.find_spec(name) is None]
    HAS_GRAPH_SDK = not _MISSING
    GRAPH_SDK_IMPORT_ERROR = ImportError(f"No module named {_MISSING[0]!r}") if _MISSING else None
except (ImportError, ValueError) as exc:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_GRAPH_SDK = False
    GRAPH_SDK_IMPORT_ERROR = exc


@functools.lru_cache(maxsize=None)
def _graph_sdk():
    """The msgraph-sdk, kiota and httpx names a Graph session uses, imported once, when first needed."""
    # httpx's package imports its command line (httpx._main: click, rich, pygments; ~0.15 s) whenever those are
    # installed, and falls back to a stub when they are not. A module never runs httpx's CLI: saying it is
    # absent (None in sys.modules makes its import fail) keeps ~0.15 s off every module's start. Only when
    # httpx is not loaded yet, so a process that already uses its CLI is left alone.
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)
    import httpx
    from kiota_abstractions.api_client_builder import register_default_deserializer
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.middleware.options import RetryHandlerOption
    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory

    return types.SimpleNamespace(
        httpx=httpx, register_default_deserializer=register_default_deserializer, Method=Method,
        RequestInformation=RequestInformation, AzureIdentityAuthenticationProvider=AzureIdentityAuthenticationProvider,
        RetryHandlerOption=RetryHandlerOption, JsonParseNodeFactory=JsonParseNodeFactory, ODataError=ODataError,
        GraphRequestAdapter=GraphRequestAdapter, GraphClientFactory=GraphClientFactory)


RETRY_STATUSES = (429, 503, 504)
BATCH_LIMIT = 20  # Graph's documented maximum number of requests in one $batch
MAX_RETRY_AFTER = 120.0  # seconds: a longer Retry-After (or a date far ahead) is capped, not obeyed
# Pages of one collection: 10,000 pages of Graph's largest page size (999) is ~10 million objects, far above
# any tenant's directory roles; a run that reaches it is following a broken nextLink, not reading data.
MAX_PAGES = 10000

# What to do next, by Graph error code: the part of an error message a user acts on.
HINTS = {
    "PermissionScopeNotGranted": "grant the app registration the application permission named above and "
    "give admin consent (docs/permissions.md lists what each module needs)",
    "Authorization_RequestDenied": "grant the app Directory.Read.All (or the Read.All permission of the object "
    "type), or run with an identity that holds Privileged Role Administrator",
    "InvalidAuthenticationToken": "check tenant_id, client_id and the credential; a token for another tenant or "
    "cloud is refused",
    "RoleAssignmentRequestPolicyValidationFailed": "the role's PIM settings forbid this request; read them with "
    "entra.pim.pim_role_setting_info and change them with entra.pim.pim_role_setting",
    "TooManyRequests": "Graph kept throttling after every retry; rerun later, lower --forks, or raise max_retries",
    "AadPremiumLicenseRequired": "PIM needs a Microsoft Entra ID P2 or ID Governance licence in the tenant",
    "CannotDeleteLastAdminAssignment": "a tenant must keep at least one Global Administrator",
    "RoleAssignmentRequestNotFound": "Graph purges schedule requests after about 45 days; read schedules instead",
    "AuthenticationFailed": "check tenant_id, client_id and the secret or certificate of the app registration",
    "TLSVerificationFailed": "set ca_bundle to the CA certificate that signed the endpoint's certificate "
    "(for the emulator: the ca_bundle of its ready file); verification is never turned off",
    "IdentityPlatformError": "the identity platform failed, not your credential; retry later (check "
    "https://status.azure.com for Microsoft's authority)",
    "AuthorityUnreachable": "check authority_host (or the cloud option), tenant_id, and the network or proxy "
    "between this host and the authority",
    "SignInTimeout": "the authority did not answer within timeout; check authority_host and the network, or raise "
    "timeout",
    "WriteOutcomeUnknown": "the write may or may not have landed; re-read to decide, never resend blindly",
    "PagingLoop": "Graph (or a proxy) returned a nextLink that leads back to a page already read; rerun, and "
    "report it with the request-id if it persists",
    "TooManyPages": "the collection did not end within the page limit; narrow the read or report it",
    "ConnectionFailed": "check graph_url and the network or proxy between this host and Graph; rerun",
}


def claims_of(token):
    """The claims of a JWT access token, read without verifying it (``{}`` when it is not a JWT): only to explain
    in advance what the service will refuse (PIM's MFA rule reads ``amr``), never to trust it."""
    parts = str(token or "").split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


class GraphCallError(Exception):
    """A Graph call that failed, carrying what a user needs to act on it."""

    def __init__(self, status, code, message, request_id=None, method=None, path=None, retry_after=None):
        self.status = status
        self.code = code or "UnknownError"
        self.message = message or ""
        self.request_id = request_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        self.transport = None  # "unsent" / "lost" for a request that got no HTTP answer (see _transport_kind)
        self.hint = HINTS.get(self.code)
        super().__init__(self.describe())

    def describe(self, action=None):
        parts = []
        if action:
            parts.append(f"{action} failed")
        if self.method and self.path and self.status:
            parts.append(f"{self.method} {self.path.split('?')[0]} answered {self.status} {self.code}: {self.message}")
        elif self.method and self.path:  # no HTTP answer at all (connection, TLS, sign-in, paging)
            parts.append(f"{self.method} {self.path.split('?')[0]}: {self.code}: {self.message}")
        else:
            parts.append(f"{self.code}: {self.message}")
        if self.request_id:
            parts.append(f"request-id {self.request_id}")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "; ".join(parts)

    def as_dict(self):
        return {
            "status": self.status, "code": self.code, "message": self.message,
            "request_id": self.request_id, "hint": self.hint,
        }


class WriteOutcomeUnknown(GraphCallError):
    """A write whose answer was lost (connection reset or timed out after the request was sent, or its
    body cut short): Graph may or may not have applied it.

    It is never resent blindly, since a second POST of a schedule request can create a second
    schedule. Callers catch it (it is a ``GraphCallError``, ``status`` 0, ``code``
    ``WriteOutcomeUnknown``) and re-read what the write meant to change to decide whether it landed,
    as they do after a 503/504 answer to a write.
    """

    def __init__(self, method, path, cause):
        super().__init__(0, "WriteOutcomeUnknown",
                         f"the connection was lost before Graph's answer arrived ({cause}); the write may or "
                         "may not have been applied", method=method, path=path)


def _unwrap_pim_message(code, message):
    """PIM puts a JSON document in ``message`` (microsoft-graph-docs issue 22292): surface its real code."""
    if code == "UnknownError" and message and message.lstrip().startswith("{"):
        try:
            inner = json.loads(message)
        except ValueError:
            return code, message
        return inner.get("errorCode") or code, inner.get("message") or message
    return code, message


def _retry_after_seconds(value, now=None):
    """``Retry-After`` in seconds, capped at ``MAX_RETRY_AFTER``; ``None`` when absent or unreadable.

    RFC 9110 section 10.2.3 allows delay-seconds or an HTTP-date; Graph sends seconds, sometimes
    fractional ("2.128"), and gateways in front of it may send a date.
    """
    if value is None:
        return None
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive one comes from the obsolete forms
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _retry_delay(headers, attempt):
    """Seconds to wait: ``Retry-After`` (fractional or HTTP date) or jittered exponential backoff."""
    value = None
    for key, val in (headers or {}).items():
        if key.lower() == "retry-after":
            value = val
            break
    seconds = _retry_after_seconds(value)
    if seconds is not None:
        return seconds
    return min(30.0, 0.5 * (2 ** attempt)) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


def _transport_kind(exc):
    """How far a request got when it failed without an HTTP answer.

    ``"unsent"``: the connection was never made (connect error or timeout, no free connection) - safe
    to resend anything. ``"lost"``: the request may have reached Graph and its answer was lost (reset,
    read timeout, body cut short, unreadable body). ``None``: not a transport failure.
    """
    if not HAS_GRAPH_SDK:  # pragma: no cover
        return None
    httpx = _graph_sdk().httpx
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return "unsent"
    if isinstance(exc, (httpx.TransportError, ConnectionError, json.JSONDecodeError, UnicodeDecodeError)):
        return "lost"
    return None


def encode_query(params):
    """Percent-encode OData options the way Graph clients send them (spaces as %20, keep $ and quotes)."""
    if not params:
        return ""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(value)
        pairs.append(f"{quote(str(key), safe='$')}={quote(str(value), safe=chr(39) + '$,()=/:')}")
    return "?" + "&".join(pairs) if pairs else ""


class GraphSession:
    """Graph for one module run: one credential, one token cache, one event loop, one client."""

    def __init__(self, auth, max_retries=6, timeout=60):
        auth = normalise_auth(auth)
        self.cloud = resolve_cloud(auth)
        self.graph_url = self.cloud["graph_url"].rstrip("/")
        self.ca_bundle = auth.get("ca_bundle")
        self.max_retries = max(0, int(max_retries))
        self.timeout = timeout
        self.max_pages = MAX_PAGES
        self.request_count = 0
        self.write_count = 0
        self.retries = 0
        self._auth = auth
        self._loop = None
        self._adapter = None
        self._credential = None
        self._trust_file = None

    # -- plumbing -------------------------------------------------------------------------
    def _open(self):
        if self._adapter is not None:
            return
        if self.ca_bundle:
            # ca_bundle adds a CA to the public ones (the docs promise that), for Graph and for sign-in.
            self._trust_file = trust_file(self.ca_bundle)
        # One SSL context per process (and CA bundle) for Graph, sign-in and Resource Manager: its CA files are
        # loaded once, not per client and connection. None: trust variables in the environment, httpx's default.
        context = shared_trust(self.ca_bundle)
        self._credential = build_credential(self._auth, self.cloud, timeout=self.timeout, verify=self._trust_file,
                                            context=context)
        sdk = _graph_sdk()
        http = sdk.httpx.AsyncClient(verify=True if context is None else context, timeout=self.timeout)
        no_sdk_retry = {sdk.RetryHandlerOption.get_key(): sdk.RetryHandlerOption(max_retries=0, should_retry=False)}
        http = sdk.GraphClientFactory.create_with_default_middleware(client=http, options=no_sdk_retry)
        host = urlsplit(self.graph_url).hostname
        provider = sdk.AzureIdentityAuthenticationProvider(
            self._credential, scopes=[self.cloud["scope"]], allowed_hosts=[host],
        )
        # GraphServiceClient registers the JSON parser for error bodies; a bare adapter must do it,
        # or every Graph error surfaces as an unparsed APIError with status 0 (and 429s are never retried).
        sdk.register_default_deserializer(sdk.JsonParseNodeFactory)
        self._adapter = sdk.GraphRequestAdapter(provider, client=http)
        self._adapter.base_url = self.graph_url
        # One loop for the whole run: asyncio.run() per call closes the loop the client is bound to
        # (msgraph-sdk-python #366). asyncio too is imported only here (kiota imports it anyway).
        import asyncio

        self._loop = asyncio.new_event_loop()

    def close(self):
        if self._loop is not None:
            try:
                self._loop.run_until_complete(self._adapter._http_client.aclose())
            except Exception:  # noqa: S110 - closing is best effort: the process ends right after
                pass
            self._loop.close()
            self._loop = None
            self._adapter = None
        if self._trust_file:
            try:
                os.unlink(self._trust_file)
            except OSError:
                pass
            self._trust_file = None

    def _url(self, path):
        if path.startswith("https://") or path.startswith("http://"):
            # A nextLink: requested verbatim, as Graph requires, but only on Graph's own origin, so a
            # link elsewhere (or to plain http) never receives the bearer token.
            own, link = urlsplit(self.graph_url), urlsplit(path)
            if (link.scheme, link.netloc.lower()) != (own.scheme, own.netloc.lower()):
                raise GraphCallError(0, "UnexpectedNextLink", f"a nextLink points to {link.scheme}://{link.netloc}, "
                                     f"not to {own.scheme}://{own.netloc}; it is not followed", method="GET",
                                     path=f"{link.scheme}://{link.netloc}{link.path}")
            return path
        return self.graph_url + (path if path.startswith("/") else "/" + path)

    async def _send_once(self, method, url, body):
        sdk = _graph_sdk()
        info = sdk.RequestInformation()
        info.http_method = getattr(sdk.Method, method)
        info.url = url
        info.headers.try_add("Accept", "application/json")
        if body is not None:
            info.headers.try_add("Content-Type", "application/json")
            info.content = json.dumps(body).encode("utf-8")
        raw = await self._adapter.send_primitive_async(info, "bytes", {"XXX": sdk.ODataError})
        return json.loads(raw) if raw else None

    def _call(self, method, path, body=None, params=None, read=False, idempotent=None):
        """One request, retried (at most ``max_retries`` times) on 429/503/504 and, for a request that
        only reads (``idempotent``, by default GETs and ``read=True`` POSTs), on a lost connection."""
        self._open()
        url = self._url(path) + encode_query(params)
        if idempotent is None:
            idempotent = method == "GET" or read
        attempt = 0
        while True:
            self.request_count += 1
            if method != "GET" and not read:
                self.write_count += 1
            try:
                return self._loop.run_until_complete(self._send_once(method, url, body))
            except Exception as exc:  # translated below; nothing is swallowed
                err = self._translate(exc, method, url)
                kind = getattr(err, "transport", None)
            if kind == "lost" and not idempotent:
                raise WriteOutcomeUnknown(method, url, err.message) from None
            retryable = err.status in RETRY_STATUSES or kind in ("unsent", "lost")
            if retryable and attempt < self.max_retries:
                self.retries += 1
                time.sleep(_retry_delay({"retry-after": err.retry_after} if err.retry_after else {}, attempt))
                attempt += 1
                continue
            raise err

    def _translate(self, exc, method, url):
        if HAS_GRAPH_SDK and isinstance(exc, _graph_sdk().ODataError):
            status = exc.response_status_code
            code = message = request_id = None
            if exc.error is not None:
                code, message = exc.error.code, exc.error.message
                if exc.error.inner_error is not None:
                    request_id = getattr(exc.error.inner_error, "request_id", None)
            code, message = _unwrap_pim_message(code, message)
            headers = dict(exc.response_headers or {})
            retry_after = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
            request_id = request_id or next((v for k, v in headers.items() if k.lower() == "request-id"), None)
            return GraphCallError(status, code, message, request_id, method, url, retry_after)
        status = getattr(exc, "response_status_code", None)
        if isinstance(status, int) and status >= 400:
            # An answer whose body is not Graph's JSON error (a gateway's HTML page, an empty body): kiota
            # raises a bare APIError; its status and Retry-After still decide retries.
            headers = dict(getattr(exc, "response_headers", None) or {})
            retry_after = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
            request_id = next((v for k, v in headers.items() if k.lower() == "request-id"), None)
            code = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "GatewayTimeout"}.get(
                status, f"HTTP{status}")
            return GraphCallError(status, code, f"HTTP {status} with a body that is not a Graph error (e.g. a "
                                  "gateway's HTML page)", request_id, method, url, retry_after)
        text = str(exc)
        if type(exc).__name__ in ("ClientAuthenticationError", "ServiceRequestError", "ServiceResponseError",
                                  "CredentialUnavailableError"):
            return self._sign_in_error(exc, method, url)
        if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc, ssl.SSLError):
            return GraphCallError(0, "TLSVerificationFailed", f"TLS verification failed for {self.graph_url}: {text}",
                                  method=method, path=url)
        kind = _transport_kind(exc)
        if kind is not None:
            what = "the connection could not be made" if kind == "unsent" else (
                "the connection was lost or the answer was cut short or unreadable")
            err = GraphCallError(0, "ConnectionFailed", f"{what} ({type(exc).__name__}: {text or repr(exc)})",
                                 method=method, path=url)
            err.transport = kind
            return err
        return GraphCallError(0, type(exc).__name__, text or repr(exc), method=method, path=url)

    def _sign_in_error(self, exc, method, url):
        """A failed sign-in, reported against the authority with what went wrong there.

        azure-identity raises ``ClientAuthenticationError`` for a refused credential *and* for an
        identity platform that failed (5xx) or could not be reached; only the first is the secret's fault.
        """
        authority = self.cloud["authority_host"]
        text = " ".join(str(exc).split())
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if not isinstance(status, int):
            # MSAL-based credentials keep no response; azure-identity writes "HTTP Error: 500" in the message.
            found = re.search(r"HTTP Error:? (\d{3})", text)
            status = int(found.group(1)) if found else None
        inner = exc
        for _depth in range(10):  # the chain of causes, boundedly (a chain can be long, never needs more)
            inner = inner.__cause__ or inner.__context__
            if inner is None:
                break
            text_inner = str(inner)
            if "CERTIFICATE_VERIFY_FAILED" in text_inner or isinstance(inner, ssl.SSLError):
                text = text_inner
                break
        hint_authority = ""
        if self.cloud.get("custom_graph") and not self.cloud["custom_authority"]:
            hint_authority = (f"; graph_url is set to {self.graph_url} but authority_host is not, so sign-in went to "
                              f"{authority}: set authority_host too (for the emulator: the authority_host of its "
                              "ready file)")
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text or "SSL:" in text:
            return GraphCallError(0, "TLSVerificationFailed", f"TLS verification failed for the authority "
                                  f"{authority}: {text[:300]}{hint_authority}", method="POST", path=authority)
        if isinstance(status, int) and status >= 500:
            return GraphCallError(status, "IdentityPlatformError", f"the identity platform at {authority} answered "
                                  f"HTTP {status} to the sign-in; this is a failure of the service, not of the "
                                  "credential", method="POST", path=authority)
        lowered = text.lower()
        if "timed out" in lowered or "timeout" in lowered:
            return GraphCallError(0, "SignInTimeout", f"signing in at {authority} did not finish within the "
                                  f"timeout of {self.timeout} s{hint_authority}", method="POST", path=authority)
        unreachable = ("unable to get authority configuration", "failed to establish a new connection",
                       "connection refused", "name or service not known", "nodename nor servname",
                       "temporary failure in name resolution", "max retries exceeded", "connection aborted",
                       "connection reset", "remote end closed")
        if type(exc).__name__ in ("ServiceRequestError", "ServiceResponseError") or any(
                marker in lowered for marker in unreachable):
            first = text[:300]
            tenant = self._auth.get("tenant_id")
            unknown_tenant = f", or does not know tenant {tenant}" if tenant and "authority configuration" in lowered \
                else ""
            return GraphCallError(0, "AuthorityUnreachable", f"the sign-in authority {authority} could not be "
                                  f"reached or is not an identity endpoint{unknown_tenant} ({first}){hint_authority}",
                                  method="POST", path=authority)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return GraphCallError(401, "AuthenticationFailed", first + hint_authority, method=method, path=url)

    # -- the API the modules use ----------------------------------------------------------
    def token_claims(self):
        """The claims of the run's access token (``oid``, ``amr``, ``scp``...), read without verifying
        it: only to explain in advance what Graph will refuse (e.g. PIM's MFA rule reads ``amr``).
        ``{}`` when the token is not a JWT. The credential caches the token, so this costs no request.
        """
        self._open()
        return claims_of(self._credential.get_token(self.cloud["scope"]).token)

    def get(self, path, params=None):
        return self._call("GET", path, params=params)

    def get_all(self, path, params=None):
        """Every item of a collection, following ``@odata.nextLink`` verbatim.

        A nextLink already followed (a page that repeats, or a cycle) and more than ``max_pages``
        pages both stop the read with a ``GraphCallError`` instead of looping forever.
        """
        page = self._call("GET", path, params=params) or {}
        items = list(page.get("value", []))
        seen = {self._url(path) + encode_query(params)}
        pages = 1
        while page.get("@odata.nextLink"):
            link = page["@odata.nextLink"]
            if link in seen:
                raise GraphCallError(0, "PagingLoop", f"page {pages + 1} of {path.split('?')[0]} would repeat a page "
                                     "already read (its nextLink was followed before); stopped instead of looping",
                                     method="GET", path=link)
            if pages >= self.max_pages:
                raise GraphCallError(0, "TooManyPages", f"{path.split('?')[0]} still had a nextLink after "
                                     f"{pages} pages; stopped", method="GET", path=link)
            seen.add(link)
            page = self._call("GET", link) or {}
            items.extend(page.get("value", []))
            pages += 1
        return items

    def post(self, path, body, read=False):
        """POST; ``read=True`` for the POSTs that only read (``directoryObjects/getByIds``)."""
        return self._call("POST", path, body=body, read=read)

    def patch(self, path, body):
        return self._call("PATCH", path, body=body)

    def put(self, path, body):
        """PUT: Graph's update of a whole object (an access review definition)."""
        return self._call("PUT", path, body=body)

    def delete(self, path):
        return self._call("DELETE", path)

    def batch(self, requests):
        """Run requests through ``$batch``, 20 at a time; return one answer per request, in order.

        Each answer is ``{"status", "headers", "body"}``. Items throttled one by one (item 429,
        503, 504) are sent again after their own ``Retry-After``. No ``dependsOn`` is used: the
        callers only batch independent requests (one PATCH per policy, independent reads). A POST
        that only reads (``getByIds``) says so with ``"read": True``: it is no write.
        """
        answers = [None] * len(requests)
        pending = list(range(len(requests)))
        attempt = 0
        while pending:
            throttled, delays = [], []
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start:start + BATCH_LIMIT]
                body = {"requests": [self._batch_item(str(i), requests[i]) for i in chunk]}
                writes = sum(1 for i in chunk if requests[i]["method"].upper() != "GET" and not requests[i].get("read"))
                # A $batch of writes whose answer is lost raises WriteOutcomeUnknown (never resent
                # blindly); a $batch of reads is resent like any read.
                result = self._call("POST", "/$batch", body=body, read=True, idempotent=not writes) or {}
                self.write_count += writes
                for item in result.get("responses", []):
                    index = int(item["id"])
                    answers[index] = {"status": item.get("status"), "headers": item.get("headers") or {},
                                      "body": item.get("body")}
                    if item.get("status") in RETRY_STATUSES:
                        throttled.append(index)
                        delays.append(_retry_delay(item.get("headers"), attempt))
            if not throttled or attempt >= self.max_retries:
                break
            self.retries += len(throttled)
            time.sleep(max(delays))
            pending = sorted(throttled)
            attempt += 1
        return answers

    def read_many(self, reads, more=None):
        """Independent reads in as few round trips as ``$batch`` allows; one outcome per read, in order.

        ``reads`` are ``{"url", "params"?}`` GETs of collections or ``{"method": "POST", "url", "body"}``
        POSTs that only read (``getByIds``). The first pages of every read go out together (20 per
        ``$batch``), then the ``@odata.nextLink`` of every read that has more, together again, until
        none is left: a scan of five collections costs as many round trips as its longest collection
        has pages, not the sum of their pages. A single request is sent as itself, not wrapped in a
        ``$batch``. Each outcome is ``{"items": [...], "error": GraphCallError | None}``; a read that
        failed keeps the items it had read before, and the caller decides whether its error is fatal
        (a read-only identity may be refused a part of a scan). Every paging loop is bounded as in
        ``get_all``.

        ``more``, when given, is called after each round with ``[(read index, items of the page just
        read)]`` and returns further reads that depend on those pages (the names of the principals they
        hold): they start in the next round, next to the remaining pages, instead of waiting for the
        last page. Their outcomes follow those of ``reads``, in the order ``more`` returned them.
        """
        state = []
        for read in reads:
            state.append(self._start_read(read, len(state)))
        while True:
            todo = [s for s in state if s["next"] is not None]
            if not todo:
                break
            taken = []
            if len(todo) == 1:
                taken.append(self._read_one(todo[0]))
            else:
                requests = [self._batch_read_item(s) for s in todo]
                direct = [s for s, r in zip(todo, requests, strict=True) if r is None]
                batched = [(s, r) for s, r in zip(todo, requests, strict=True) if r is not None]
                for s in direct:  # a nextLink outside this Graph version: read as itself (origin-checked)
                    taken.append(self._read_one(s))
                if batched:
                    answers = self.batch([r for _s, r in batched])
                    for (s, r), answer in zip(batched, answers, strict=True):
                        answer = answer or {"status": 0, "body": {"error": {
                            "code": "NoAnswer", "message": "$batch returned no answer for this request"}}}
                        error = self.batch_error(answer, r["method"], r["url"])
                        taken.append(self._page(s, None if error else answer.get("body"), error))
            if more is not None:
                pages = [(s["index"], items) for s, items in taken if items]
                for read in (more(pages) if pages else None) or []:
                    state.append(self._start_read(read, len(state)))
        return [{"items": s["items"], "error": s["error"]} for s in state]

    def _start_read(self, read, index):
        url = self._url(read["url"]) + encode_query(read.get("params"))
        return {"index": index, "items": [], "error": None, "next": url, "seen": {url}, "pages": 0,
                "method": read.get("method", "GET").upper(), "body": read.get("body")}

    def _batch_read_item(self, s):
        """A read as a ``$batch`` item (URL relative to this Graph version), or None when it is not one."""
        base = self.graph_url + "/"
        if not s["next"].startswith(base):
            return None
        item = {"method": s["method"], "url": "/" + s["next"][len(base):], "read": True}
        if s["method"] != "GET" and s["pages"] == 0:
            item["body"] = s["body"]
        return item

    def _read_one(self, s):
        method = s["method"] if s["pages"] == 0 else "GET"
        try:
            page = self._call(method, s["next"], body=s["body"] if method != "GET" else None, read=True)
        except GraphCallError as err:
            return self._page(s, None, err)
        return self._page(s, page, None)

    def _page(self, s, page, error):
        """Take one page of a ``read_many`` read; point it at its next page, or end it. Returns
        ``(read, the page's items)``."""
        s["method"] = "GET"  # a nextLink is always a GET, whatever the first request was
        if error is not None:
            s["error"], s["next"] = error, None
            return s, []
        page = page or {}
        items = page.get("value") or []
        s["items"].extend(items)
        s["pages"] += 1
        link = page.get("@odata.nextLink")
        if not link:
            s["next"] = None
        elif link in s["seen"]:
            s["error"], s["next"] = GraphCallError(
                0, "PagingLoop", f"page {s['pages'] + 1} would repeat a page already read (its nextLink was "
                "followed before); stopped instead of looping", method="GET", path=link), None
        elif s["pages"] >= self.max_pages:
            s["error"], s["next"] = GraphCallError(
                0, "TooManyPages", f"still a nextLink after {s['pages']} pages; stopped", method="GET",
                path=link), None
        else:
            s["seen"].add(link)
            s["next"] = link  # a link off Graph's origin is refused by _url when it is read
        return s, items

    @staticmethod
    def _batch_item(item_id, request):
        item = {"id": item_id, "method": request["method"].upper(), "url": request["url"]}
        if request.get("body") is not None:
            item["body"] = request["body"]
            item["headers"] = {"Content-Type": "application/json"}
        return item

    @staticmethod
    def batch_error(answer, method, url):
        """A failed batch answer as a GraphCallError (``None`` when it succeeded)."""
        status = answer.get("status") or 0
        if 200 <= status < 300:
            return None
        err = ((answer.get("body") or {}).get("error")) or {}
        code, message = _unwrap_pim_message(err.get("code"), err.get("message"))
        inner = err.get("innerError") or {}
        return GraphCallError(status, code, message, inner.get("request-id"), method, url)
