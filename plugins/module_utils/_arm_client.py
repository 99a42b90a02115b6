# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One Azure Resource Manager session per module run, for PIM of Azure resource roles.

Private to the collection (leading underscore): may change in any release.

Everything goes through ``azure-mgmt-authorization``'s client (its 2020-10-01 PIM operations, role definitions
and role assignments at 2022-04-01, as the package's default profile sends them) with the credential
``_auth`` builds for Graph: the same options, environment fallbacks and sign-in, only the token's audience
differs (``{resource manager}/.default``). Writes use its typed operations; reads send the same requests
through the same client's pipeline (``send_request``) and keep Resource Manager's JSON, without the
model round trip (deserialize, then serialize back) that cost most of an Azure read's CPU; so do the few
reads outside Microsoft.Authorization (subscriptions, management groups, resource groups, the resources of
a group). All share one authentication, retry policy, TLS trust and request count.

Answers are plain dicts in the REST shape, flattened: ``{"id", "name", "type", **properties}`` with the
camelCase keys of the wire (a property named like an envelope field, e.g. a role definition's ``type``
``BuiltInRole``, wins). Errors are ``ArmCallError``, a ``GraphCallError`` carrying ARM's error envelope
(``{"error": {"code", "message"}}``), its status and ``x-ms-request-id``, so the modules render both
APIs' failures with one ``fail_graph``.

Retries are azure-core's ``RetryPolicy`` (``retry_total`` = ``max_retries``): 408, 429, 500, 502, 503
and 504, after ``Retry-After`` when the answer has one (ARM sends it with 429), else exponential
back-off; PATCH and POST only on 500/503/504 or with a ``Retry-After``. A write whose answer is lost
raises ``WriteOutcomeUnknown``, as on Graph.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from urllib.parse import quote, urlsplit

from ._graph_paths import (
    ARM_AUTHORIZATION,
    ARM_COLLECTIONS,
    ARM_ELIGIBLE_CHILD_RESOURCES,
    ARM_MANAGEMENT_GROUPS,
    ARM_POLICIES,
    ARM_POLICY_ASSIGNMENTS,
    ARM_ROLE_ASSIGNMENTS,
    ARM_ROLE_DEFINITIONS,
    ARM_SUBSCRIPTIONS,
)
from ._auth import AuthError, _check_endpoint, build_credential, normalise_auth, resolve_cloud, trust_file
from ._client import HINTS, MAX_PAGES, GraphCallError, GraphSession, WriteOutcomeUnknown, claims_of

try:
    # Only whether the package is there: importing it costs ~0.2 s (every API version's client comes with it),
    # which the Graph-only modules never pay; it is imported where the client is built (ArmSession._open).
    HAS_ARM_SDK = importlib.util.find_spec("azure.mgmt.authorization") is not None
    ARM_SDK_IMPORT_ERROR = None if HAS_ARM_SDK else ImportError("No module named 'azure.mgmt.authorization'")
except (ImportError, ValueError) as exc:  # pragma: no cover - reported through missing_required_lib
    HAS_ARM_SDK = False
    ARM_SDK_IMPORT_ERROR = exc

# Azure Resource Manager of each cloud (learn.microsoft.com "Azure Government developer guide", "Azure China
# developer guide": management.usgovcloudapi.net, management.chinacloudapi.cn). DoD uses Azure Government's.
ARM_CLOUDS = {
    "public": "https://management.azure.com",
    "usgovernment": "https://management.usgovcloudapi.net",
    "usgovernment_dod": "https://management.usgovcloudapi.net",
    "china": "https://management.chinacloudapi.cn",
}

API_POLICIES = "2020-10-01"  # Microsoft.Authorization PIM (roleManagementPolicies, schedule requests ...)
API_ROLE_DEFINITIONS = "2022-04-01"  # azure-mgmt-authorization 4.0.0's default for roleDefinitions/roleAssignments
# Outside Microsoft.Authorization, read through the client's pipeline (REST reference of each):
API_SUBSCRIPTIONS = "2022-12-01"  # Subscriptions - List / Get
API_RESOURCE_GROUPS = "2021-04-01"  # Resource Groups - List / Get, Resources - List By Resource Group
API_MANAGEMENT_GROUPS = "2021-04-01"  # Management Groups - List / Get

NIL_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"  # the client wants one; scope-based calls ignore it

# What to do next, by ARM error code (completing _client.HINTS, which ArmCallError falls back to).
ARM_HINTS = {
    "AuthorizationFailed": "give the app a role at this scope or above that allows the action named (read: "
    "Reader or Microsoft.Authorization/*/read; write: Owner, User Access Administrator, Role Based Access "
    "Control Administrator or a custom role with the Microsoft.Authorization write actions; docs/permissions.md)",
    "InvalidAuthenticationTokenAudience": "the token was issued for another resource; the module requests one for "
    "the cloud's Resource Manager (https://management.azure.com by default): check arm_url and cloud",
    "InvalidAuthenticationToken": "check tenant_id, client_id and the credential; a token for another tenant, cloud "
    "or resource is refused",
    "SubscriptionNotFound": "check the subscription id, and that the app has a role on the subscription (an app "
    "without one does not see it); entra.pim.pim_azure_scope_info lists what it sees",
    "ResourceGroupNotFound": "check the resource group's name in that subscription; entra.pim.pim_azure_scope_info "
    "with resource_groups: true lists them",
    "RoleDefinitionDoesNotExist": "check the role's name or id at that scope; custom roles exist only at their "
    "assignable scopes",
    "RoleAssignmentRequestPolicyValidationFailed": "the role's PIM settings at this scope forbid this request; read "
    "them with entra.pim.pim_azure_role_setting_info and change them with entra.pim.pim_azure_role_setting",
    "TooManyRequests": "Resource Manager kept throttling after every retry; rerun later, lower --forks, or raise "
    "max_retries",
    "ConnectionFailed": "check arm_url and the network or proxy between this host and Resource Manager; rerun",
}


class ArmCallError(GraphCallError):
    """A Resource Manager call that failed: a ``GraphCallError`` (status, code, message, request-id, hint)."""

    def __init__(self, status, code, message, request_id=None, method=None, path=None, retry_after=None):
        super().__init__(status, code, message, request_id, method, path, retry_after)
        self.hint = ARM_HINTS.get(self.code) or HINTS.get(self.code)
        Exception.__init__(self, self.describe())


def resolve_arm(auth, arm_url=None):
    """Resource Manager URL and token scope for this run: ``arm_url`` overrides the cloud's (the emulator,
    a proxy); the token is still requested for the cloud's Resource Manager audience, as for Graph."""
    auth = normalise_auth(auth)
    cloud = auth.get("cloud") or "public"
    if cloud not in ARM_CLOUDS:
        raise AuthError(f"cloud {cloud!r} is not one of {', '.join(ARM_CLOUDS)}")
    audience = ARM_CLOUDS[cloud]
    url = (arm_url or audience).strip().rstrip("/")
    _check_endpoint("arm_url", url, auth.get("allow_insecure_http"))
    if urlsplit(url).scheme != "https":
        # azure-core's bearer token policy refuses to send a token over plain HTTP.
        raise AuthError(f"arm_url {url} is plain HTTP: azure-core only sends a bearer token over https://; use the "
                        "https:// URL of Resource Manager (the emulator serves https)")
    return {"arm_url": url, "audience": audience, "scope": audience + "/.default", "custom_arm": bool(arm_url)}


def flatten(obj):
    """A REST resource ``{"id", "name", "type", "properties": {...}}`` -> one flat dict (properties win)."""
    if obj is None:
        return None
    if hasattr(obj, "serialize"):
        obj = obj.serialize(keep_readonly=True)
    out = {k: v for k, v in obj.items() if k != "properties"}
    out.update(obj.get("properties") or {})
    return out


def is_write(method, url):
    """Whether a request changes something: every PUT, PATCH, POST and DELETE except the POST ``validate`` of a
    schedule request, which only checks one (as the emulator counts them)."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return False
    return not (method == "POST" and urlsplit(url).path.rstrip("/").lower().endswith("/validate"))


def _counter(session, per_try):
    """A pipeline policy counting what goes through: per call (before the retry policy) or per try (after it)."""
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class Counter(SansIOHTTPPolicy):
        def on_request(self, request):
            if per_try:
                session.request_count += 1
                if is_write(request.http_request.method, request.http_request.url):
                    session.write_count += 1
            else:
                session.call_count += 1
    return Counter()


def _retry_policy(total):
    """azure-core's retries (408, 429, 5xx; ``Retry-After`` when given, else exponential back-off up to 30 s), with
    ``Retry-After`` capped at ``MAX_RETRY_AFTER`` as on Graph: a throttled run waits minutes, never hours."""
    from azure.core.pipeline.policies import RetryPolicy

    from ._client import MAX_RETRY_AFTER

    class CappedRetry(RetryPolicy):
        def get_retry_after(self, response):
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(float(seconds), MAX_RETRY_AFTER)
    return CappedRetry(retry_total=total, retry_backoff_max=30)


def _from_sign_in(response, arm_url):
    """Whether an HTTP error answer came from the sign-in authority (azure-identity raises
    ``ClientAuthenticationError``, an ``HttpResponseError``, with the authority's answer) rather than ARM."""
    request = getattr(response, "request", None)
    url = str(getattr(request, "url", "") or "")
    return bool(url) and not url.lower().startswith(arm_url.lower())


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


class ArmSession:
    """Resource Manager for one module run: one credential, one token cache, one authorization client."""

    def __init__(self, auth, arm_url=None, subscription_id=None, max_retries=6, timeout=60, transport=None):
        auth = normalise_auth(auth)
        self.cloud = resolve_cloud(auth)
        self.arm = resolve_arm(auth, arm_url)
        self.arm_url = self.arm["arm_url"]
        # GraphSession._sign_in_error, reused below, reads these three.
        self.graph_url = self.arm_url
        self.cloud = dict(self.cloud, custom_graph=self.arm["custom_arm"])
        self.subscription_id = subscription_id
        self.ca_bundle = auth.get("ca_bundle")
        self.max_retries = max(0, int(max_retries))
        self.timeout = timeout
        self.max_pages = MAX_PAGES
        self.request_count = 0
        self.write_count = 0
        self.call_count = 0
        self._auth = auth
        self._transport = transport  # an azure-core transport; None: azure-core's default (requests)
        self._client = None
        self._credential = None
        self._trust_file = None

    @property
    def retries(self):
        """Tries beyond the first of each call (azure-core's retries)."""
        return max(0, self.request_count - self.call_count)

    def stats(self):
        return {"requests": self.request_count, "writes": self.write_count, "retries": self.retries}

    def token_claims(self):
        """The claims of the run's Resource Manager token (``oid``, ``amr``, ``scp``), unverified, as
        ``GraphSession.token_claims`` reads Graph's: PIM's MFA rule reads ``amr`` (pim_azure_role_activation's
        pre-check). The credential caches the token, so this costs no request."""
        self._open()
        return claims_of(self._credential.get_token(self.arm["scope"]).token)

    # -- plumbing -------------------------------------------------------------------------
    def _open(self):
        if self._client is not None:
            return
        from ._auth import shared_trust, sign_in_transport  # pylint: disable=import-outside-toplevel

        if self.ca_bundle:
            # ca_bundle adds a CA to the public ones, for Resource Manager and for sign-in, as for Graph.
            self._trust_file = trust_file(self.ca_bundle)
        # The process's one SSL context (GraphSession's too): no CA file loaded again per client or connection.
        context = shared_trust(self.ca_bundle)
        self._credential = build_credential(self._auth, self.cloud, timeout=self.timeout, verify=self._trust_file,
                                            context=context)
        from azure.mgmt.authorization import AuthorizationManagementClient

        options = {"retry_policy": _retry_policy(self.max_retries),
                   "connection_timeout": self.timeout, "read_timeout": self.timeout,
                   "per_call_policies": [_counter(self, per_try=False)],
                   "per_retry_policies": [_counter(self, per_try=True)]}
        if self._trust_file:
            options["connection_verify"] = self._trust_file
        if self._transport is not None:
            options["transport"] = self._transport
        elif context is not None:
            options["transport"] = sign_in_transport(context, self._trust_file or True, self.timeout)
        self._client = AuthorizationManagementClient(
            self._credential, self.subscription_id or NIL_SUBSCRIPTION, base_url=self.arm_url,
            credential_scopes=[self.arm["scope"]], **options)

    def close(self):
        if self._client is not None:
            try:
                self._client.close()
            except Exception:  # noqa: S110 - closing is best effort: the process ends right after
                pass
            self._client = None
        if self._trust_file:
            try:
                os.unlink(self._trust_file)
            except OSError:
                pass
            self._trust_file = None

    def _translate(self, exc, method, path):
        from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

        response = getattr(exc, "response", None) if isinstance(exc, HttpResponseError) else None
        if response is not None and not _from_sign_in(response, self.arm_url):
            status = response.status_code
            headers = dict(response.headers or {})
            code = message = None
            try:
                body = json.loads(response.text() or "null")
            except (ValueError, TypeError):
                body = None
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                code, message = error.get("code"), error.get("message")
            if not code:
                code = {401: "InvalidAuthenticationToken", 429: "TooManyRequests", 503: "ServiceUnavailable",
                        504: "GatewayTimeout"}.get(status, f"HTTP{status}")
                message = message or f"HTTP {status} with a body that is not an ARM error (e.g. a gateway's page)"
            return ArmCallError(status, code, message, _header(headers, "x-ms-request-id"), method, path,
                                _header(headers, "retry-after"))
        if type(exc).__name__ in ("ClientAuthenticationError", "CredentialUnavailableError") or (
                isinstance(exc, (ServiceRequestError, ServiceResponseError))
                and "authority" in str(exc).lower()):
            # One copy of the sign-in diagnosis (GraphSession's), worded for arm_url.
            err = GraphSession._sign_in_error(self, exc, method, path)
            message = err.message.replace("graph_url is set to", "arm_url is set to")
            return ArmCallError(err.status, err.code, message, None, err.method, err.path)
        text = str(exc) or repr(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return ArmCallError(0, "TLSVerificationFailed", f"TLS verification failed for {self.arm_url}: {text}",
                                method=method, path=path)
        if isinstance(exc, ServiceRequestError):
            err = ArmCallError(0, "ConnectionFailed", f"the connection could not be made ({text})", method=method,
                               path=path)
            err.transport = "unsent"
            return err
        if isinstance(exc, ServiceResponseError):
            if method not in ("GET", "HEAD"):
                lost = WriteOutcomeUnknown(method, path, text)
                return ArmCallError(0, lost.code, lost.message, method=method, path=path)
            err = ArmCallError(0, "ConnectionFailed", f"the connection was lost or the answer was cut short ({text})",
                               method=method, path=path)
            err.transport = "lost"
            return err
        if isinstance(exc, ArmCallError):
            return exc
        return ArmCallError(0, type(exc).__name__, text, method=method, path=path)

    def _run(self, method, path, call):
        """``call()`` (an SDK operation), its failures as ``ArmCallError``."""
        self._open()
        try:
            return call()
        except ArmCallError:
            raise
        except Exception as exc:  # translated; nothing is swallowed
            raise self._translate(exc, method, path) from None

    # -- raw reads through the client's pipeline (outside Microsoft.Authorization) ----------
    def get_json(self, path, api_version, params=None):
        """GET ``path`` (relative to arm_url) with ``api-version``; the JSON answer, raising ``ArmCallError``."""
        query = {"api-version": api_version, **(params or {})}
        pairs = [f"{quote(k, safe='$')}={quote(str(v), safe='')}" for k, v in query.items()]
        url = self.arm_url + path + "?" + "&".join(pairs)
        return self._get_url(url, path)

    def _get_url(self, url, path):
        from azure.core.rest import HttpRequest

        def call():
            response = self._client._client.send_request(HttpRequest("GET", url))  # noqa: SLF001 - the SDK's pipeline
            response.raise_for_status()
            return response.json() if response.text() else None
        return self._run("GET", path, call)

    def list_json(self, path, api_version, params=None):
        """Every item of a REST collection, flattened, following ``nextLink`` on Resource Manager's own origin only.

        A ``nextLink`` is requested as given (ARM's carries the query, ``api-version`` and the skip token: "Resource
        Manager list operations" in the ARM RPC, learn.microsoft.com "Azure REST API: pagination"); one without an
        ``api-version`` gets this list's, as the SDK's pagers add it, since ARM refuses a request without one."""
        page = self.get_json(path, api_version, params) or {}
        items = list(page.get("value") or [])
        seen, pages = set(), 1
        own = urlsplit(self.arm_url)
        while page.get("nextLink"):
            link = page["nextLink"]
            parts = urlsplit(link)
            if (parts.scheme, parts.netloc.lower()) != (own.scheme, own.netloc.lower()):
                raise ArmCallError(0, "UnexpectedNextLink", f"a nextLink points to {parts.scheme}://{parts.netloc}, "
                                   f"not to {own.scheme}://{own.netloc}; it is not followed", method="GET", path=path)
            if link in seen or pages >= self.max_pages:
                raise ArmCallError(0, "PagingLoop" if link in seen else "TooManyPages",
                                   f"{path} returned a nextLink already followed or too many pages; stopped",
                                   method="GET", path=path)
            seen.add(link)
            if "api-version=" not in parts.query.lower():
                link += ("&" if parts.query else "?") + "api-version=" + quote(api_version, safe="")
            page = self._get_url(link, path) or {}
            items.extend(page.get("value") or [])
            pages += 1
        return [flatten(item) for item in items]

    # -- scopes ---------------------------------------------------------------------------
    def list_subscriptions(self):
        return self.list_json(ARM_SUBSCRIPTIONS, API_SUBSCRIPTIONS)

    def get_subscription(self, subscription_id):
        return flatten(self.get_json(f"{ARM_SUBSCRIPTIONS}/{quote(subscription_id, safe='')}", API_SUBSCRIPTIONS))

    def list_resource_groups(self, subscription_id):
        return self.list_json(f"{ARM_SUBSCRIPTIONS}/{quote(subscription_id, safe='')}/resourcegroups",
                              API_RESOURCE_GROUPS)

    def get_resource_group(self, subscription_id, name):
        return flatten(self.get_json(f"{ARM_SUBSCRIPTIONS}/{quote(subscription_id, safe='')}/resourcegroups/"
                                     f"{quote(name, safe='')}", API_RESOURCE_GROUPS))

    def list_resources(self, subscription_id, group):
        return self.list_json(f"{ARM_SUBSCRIPTIONS}/{quote(subscription_id, safe='')}/resourceGroups/"
                              f"{quote(group, safe='')}/resources", API_RESOURCE_GROUPS)

    def list_management_groups(self):
        return self.list_json(ARM_MANAGEMENT_GROUPS, API_MANAGEMENT_GROUPS)

    def get_management_group(self, group_id, expand_children=False):
        params = {"$expand": "children", "$recurse": "true"} if expand_children else None
        return flatten(self.get_json(f"{ARM_MANAGEMENT_GROUPS}/{quote(group_id, safe='')}",
                                     API_MANAGEMENT_GROUPS, params))

    # -- Microsoft.Authorization reads ------------------------------------------------------
    # Read as JSON through the client's pipeline (the same authentication, retries, TLS trust and request count as
    # the SDK's operations), at the api-versions the SDK's default profile sends (azure-mgmt-authorization 4.0.0:
    # 2020-10-01 for PIM, 2022-04-01 for role definitions and assignments). The typed operations deserialized every
    # page into models that flatten() serialized straight back: most of the CPU of an Azure read, for the same dict
    # less its nulls (the models leave unset properties out), which _without_nulls() drops here too. Date-times
    # stay as Resource Manager wrote them (the models re-wrote them with milliseconds); readers parse both.
    def _list_authorization(self, path, api_version, filter=None):  # noqa: A002
        return [_without_nulls(item) for item in self.list_json(path, api_version, _filter(filter))]

    def _get_authorization(self, path, api_version):
        return _without_nulls(flatten(self.get_json(path, api_version)))

    # -- role definitions and classic role assignments (2022-04-01) -------------------------
    def list_role_definitions(self, scope, filter=None):  # noqa: A002 - the REST parameter's name
        return self._list_authorization(scope + ARM_ROLE_DEFINITIONS, API_ROLE_DEFINITIONS, filter)

    def list_role_assignments(self, scope, filter=None):  # noqa: A002
        """Role assignments (made through PIM or not) at, above and below ``scope`` unless filtered."""
        return self._list_authorization(scope + ARM_ROLE_ASSIGNMENTS, API_ROLE_DEFINITIONS, filter)

    # -- role management policies (2020-10-01) ----------------------------------------------
    def list_policies(self, scope):
        """Every role management policy at ``scope`` (one per role), with its rules: one paged list."""
        return self._list_authorization(scope + ARM_POLICIES, API_POLICIES)

    def get_policy(self, scope, name):
        return self._get_authorization(f"{scope}{ARM_POLICIES}/{quote(name, safe='')}", API_POLICIES)

    def patch_policy(self, policy_id, rules):
        """PATCH the rules of the policy ``policy_id`` (its full id); the policy as answered."""
        scope, name = split_child(policy_id, ARM_POLICIES.rsplit("/", 1)[-1])
        body = {"properties": {"rules": rules}}
        return flatten(self._run("PATCH", policy_id, lambda: self._client.role_management_policies.update(
            scope, name, _json_body(body))))

    def list_policy_assignments(self, scope):
        return self._list_authorization(scope + ARM_POLICY_ASSIGNMENTS, API_POLICIES)

    # -- schedules, instances, requests (2020-10-01) -----------------------------------------
    def _ops(self, kind):
        return getattr(self._client, kind)

    def list_scheduled(self, kind, scope, filter=None):  # noqa: A002
        """``kind``: role_eligibility_schedules, role_eligibility_schedule_instances, role_assignment_schedules,
        role_assignment_schedule_instances, role_eligibility_schedule_requests, role_assignment_schedule_requests.
        ``filter``: ``asTarget()``, ``atScope()``, ``principalId eq '...'``, ``roleDefinitionId eq '...'``."""
        return self._list_authorization(f"{scope}{ARM_AUTHORIZATION}/{ARM_COLLECTIONS[kind]}", API_POLICIES, filter)

    def create_request(self, kind, scope, body, name=None):
        """PUT a schedule request (``role_eligibility_schedule_requests`` or ``role_assignment_schedule_requests``)
        under a new GUID name (or ``name``); ``body`` is the REST body ``{"properties": {...}}``."""
        name = name or str(uuid.uuid4())
        path = f"{scope}{ARM_AUTHORIZATION}/{ARM_COLLECTIONS[kind]}/{name}"
        return flatten(self._run("PUT", path, lambda: self._ops(kind).create(scope, name, _json_body(body))))

    def get_request(self, kind, scope, name):
        return self._get_authorization(f"{scope}{ARM_AUTHORIZATION}/{ARM_COLLECTIONS[kind]}/{quote(name, safe='')}",
                                       API_POLICIES)

    def cancel_request(self, kind, scope, name):
        path = f"{scope}{ARM_AUTHORIZATION}/{ARM_COLLECTIONS[kind]}/{name}/cancel"
        self._run("POST", path, lambda: self._ops(kind).cancel(scope, name))

    def validate_request(self, kind, scope, body, name=None):
        name = name or str(uuid.uuid4())
        path = f"{scope}{ARM_AUTHORIZATION}/{ARM_COLLECTIONS[kind]}/{name}/validate"
        return flatten(self._run("POST", path, lambda: self._ops(kind).validate(scope, name, _json_body(body))))

    def eligible_child_resources(self, scope, filter=None):  # noqa: A002
        return self._list_authorization(scope + ARM_ELIGIBLE_CHILD_RESOURCES, API_POLICIES, filter)


def _without_nulls(value):
    """``value`` without the null properties at any depth (a list keeps its items)."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _filter(expression):
    """The ``$filter`` query parameter, when there is one (the SDK's operations leave it out when None)."""
    return {"$filter": expression} if expression else None


def _json_body(body):
    """A request body sent byte for byte as given (the SDK sends ``bytes`` bodies as they are, so nothing the
    models do not know is dropped, and a retry resends the same bytes)."""
    return json.dumps(body).encode("utf-8")


def split_child(resource_id, collection):
    """``{scope}/providers/Microsoft.Authorization/{collection}/{name}`` -> (scope, name)."""
    marker = f"{ARM_AUTHORIZATION}/{collection}/"
    index = str(resource_id).lower().rfind(marker.lower())
    if index < 0:
        raise ValueError(f"{resource_id!r} is not a {collection} id")
    return resource_id[:index] or "/", resource_id[index + len(marker):]
