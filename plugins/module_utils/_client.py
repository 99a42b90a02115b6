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
``Retry-After`` to the millisecond, for single requests and batch items alike.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import ssl
import time
from urllib.parse import quote, urlsplit

from ._auth import build_credential, resolve_cloud

try:
    import httpx
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory
    from kiota_abstractions.api_client_builder import register_default_deserializer
    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

    HAS_GRAPH_SDK = True
    GRAPH_SDK_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_GRAPH_SDK = False
    GRAPH_SDK_IMPORT_ERROR = exc

RETRY_STATUSES = (429, 503, 504)
BATCH_LIMIT = 20  # Graph's documented maximum number of requests in one $batch

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
    "TLSVerificationFailed": "set ca_bundle to the CA certificate that signed the Graph endpoint's certificate "
    "(for the emulator: the ca_bundle of its ready file); verification is never turned off",
}


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
        self.hint = HINTS.get(self.code)
        super().__init__(self.describe())

    def describe(self, action=None):
        parts = []
        if action:
            parts.append(f"{action} failed")
        if self.method and self.path:
            parts.append(f"{self.method} {self.path.split('?')[0]} answered {self.status} {self.code}: {self.message}")
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


def _unwrap_pim_message(code, message):
    """PIM puts a JSON document in ``message`` (fact sheet section 4): surface its real code."""
    if code == "UnknownError" and message and message.lstrip().startswith("{"):
        try:
            inner = json.loads(message)
        except ValueError:
            return code, message
        return inner.get("errorCode") or code, inner.get("message") or message
    return code, message


def _retry_delay(headers, attempt):
    """Seconds to wait: ``Retry-After`` (fractional or HTTP date) or jittered exponential backoff."""
    value = None
    for key, val in (headers or {}).items():
        if key.lower() == "retry-after":
            value = val
            break
    if value is not None:
        try:
            return max(0.0, min(float(value), 120.0))
        except (TypeError, ValueError):
            pass
    return min(30.0, 0.5 * (2 ** attempt)) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


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
        self.cloud = resolve_cloud(auth)
        self.graph_url = self.cloud["graph_url"].rstrip("/")
        self.ca_bundle = auth.get("ca_bundle")
        self.max_retries = max_retries
        self.timeout = timeout
        self.request_count = 0
        self.write_count = 0
        self.retries = 0
        self._auth = auth
        self._loop = None
        self._adapter = None
        self._credential = None

    # -- plumbing -------------------------------------------------------------------------
    def _open(self):
        if self._adapter is not None:
            return
        self._credential = build_credential(self._auth, self.cloud)
        verify = ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else True
        http = httpx.AsyncClient(verify=verify, timeout=self.timeout)
        no_sdk_retry = {RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=0, should_retry=False)}
        http = GraphClientFactory.create_with_default_middleware(client=http, options=no_sdk_retry)
        host = urlsplit(self.graph_url).hostname
        provider = AzureIdentityAuthenticationProvider(
            self._credential, scopes=[self.cloud["scope"]], allowed_hosts=[host],
        )
        # GraphServiceClient registers the JSON parser for error bodies; a bare adapter must do it,
        # or every Graph error surfaces as an unparsed APIError with status 0 (and 429s are never retried).
        register_default_deserializer(JsonParseNodeFactory)
        self._adapter = GraphRequestAdapter(provider, client=http)
        self._adapter.base_url = self.graph_url
        # One loop for the whole run: asyncio.run() per call closes the loop the client is bound to
        # (msgraph-sdk-python #366).
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

    def _url(self, path):
        if path.startswith("https://") or path.startswith("http://"):
            return path  # a nextLink: requested verbatim, as Graph requires
        return self.graph_url + (path if path.startswith("/") else "/" + path)

    async def _send_once(self, method, url, body):
        info = RequestInformation()
        info.http_method = getattr(Method, method)
        info.url = url
        info.headers.try_add("Accept", "application/json")
        if body is not None:
            info.headers.try_add("Content-Type", "application/json")
            info.content = json.dumps(body).encode("utf-8")
        raw = await self._adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})
        return json.loads(raw) if raw else None

    def _call(self, method, path, body=None, params=None, read=False):
        self._open()
        url = self._url(path) + encode_query(params)
        attempt = 0
        while True:
            self.request_count += 1
            if method != "GET" and not read:
                self.write_count += 1
            try:
                return self._loop.run_until_complete(self._send_once(method, url, body))
            except Exception as exc:  # translated below; nothing is swallowed
                err = self._translate(exc, method, url)
            if err.status in RETRY_STATUSES and attempt < self.max_retries:
                self.retries += 1
                time.sleep(_retry_delay({"retry-after": err.retry_after} if err.retry_after else {}, attempt))
                attempt += 1
                continue
            raise err

    def _translate(self, exc, method, url):
        if HAS_GRAPH_SDK and isinstance(exc, ODataError):
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
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc, ssl.SSLError):
            return GraphCallError(0, "TLSVerificationFailed", f"TLS verification failed for {url}: {text}",
                                  method=method, path=url)
        auth_failure = type(exc).__name__ == "ClientAuthenticationError"
        if auth_failure:
            first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
            return GraphCallError(401, "AuthenticationFailed", first, method=method, path=url)
        return GraphCallError(0, type(exc).__name__, text or repr(exc), method=method, path=url)

    # -- the API the modules use ----------------------------------------------------------
    def token_claims(self):
        """The claims of the run's access token (``oid``, ``amr``, ``scp``...), read without verifying
        it: only to explain in advance what Graph will refuse (e.g. PIM's MFA rule reads ``amr``).
        ``{}`` when the token is not a JWT. The credential caches the token, so this costs no request.
        """
        self._open()
        token = self._credential.get_token(self.cloud["scope"]).token
        parts = token.split(".")
        if len(parts) != 3:
            return {}
        try:
            payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
            claims = json.loads(payload)
        except ValueError:
            return {}
        return claims if isinstance(claims, dict) else {}

    def get(self, path, params=None):
        return self._call("GET", path, params=params)

    def get_all(self, path, params=None):
        """Every item of a collection, following ``@odata.nextLink`` verbatim."""
        page = self._call("GET", path, params=params) or {}
        items = list(page.get("value", []))
        while page.get("@odata.nextLink"):
            page = self._call("GET", page["@odata.nextLink"]) or {}
            items.extend(page.get("value", []))
        return items

    def post(self, path, body, read=False):
        """POST; ``read=True`` for the POSTs that only read (``directoryObjects/getByIds``)."""
        return self._call("POST", path, body=body, read=read)

    def patch(self, path, body):
        return self._call("PATCH", path, body=body)

    def delete(self, path):
        return self._call("DELETE", path)

    def batch(self, requests):
        """Run requests through ``$batch``, 20 at a time; return one answer per request, in order.

        Each answer is ``{"status", "headers", "body"}``. Items throttled one by one (item 429,
        503, 504) are sent again after their own ``Retry-After``. No ``dependsOn`` is used: the
        callers only batch independent requests (one PATCH per policy).
        """
        answers = [None] * len(requests)
        pending = list(range(len(requests)))
        attempt = 0
        while pending:
            throttled, delays = [], []
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start:start + BATCH_LIMIT]
                body = {"requests": [self._batch_item(str(i), requests[i]) for i in chunk]}
                writes = sum(1 for i in chunk if requests[i]["method"].upper() != "GET")
                result = self._call("POST", "/$batch", body=body, read=True) or {}
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
