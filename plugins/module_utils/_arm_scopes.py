# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure scopes and role definitions: parse what the user wrote, resolve it against Resource Manager.

Private to the collection (leading underscore): may change in any release.

A ``scope`` is written as an ARM id or in a friendly form:

- ``/providers/Microsoft.Management/managementGroups/{id}``, ``mg:{display name or id}``: a management group;
- ``/subscriptions/{guid}``, ``{subscription name or guid}``: a subscription;
- ``/subscriptions/{guid}/resourceGroups/{name}``, ``Production/rg-app``: a resource group in it;
- ``/subscriptions/{guid}/resourceGroups/{rg}/providers/{ns}/{type}/{name}``, ``Production/rg-app/kv-app``:
  a resource;
- nothing (``None``, ``""``): the default subscription (``subscription_id``, ``AZURE_SUBSCRIPTION_ID``).

ARM compares ids case-insensitively; a resolved scope carries the casing Resource Manager answered with.
``parse_scope`` is pure; ``ScopeResolver`` reads (once per run, cached): the subscriptions the identity
sees, the management groups, the resource groups of a subscription, the resources of a group, and the
role definitions at a scope. Every scope is resolved (so checked to exist) before a module writes;
an unknown one fails naming the input and the closest names.
"""

from __future__ import annotations

import re

from ._client import GraphCallError
from ._resolve import suggest

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MG_PREFIX = "/providers/microsoft.management/managementgroups/"
ROLE_DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions/"

MANAGEMENT_GROUP, SUBSCRIPTION, RESOURCE_GROUP, RESOURCE = "managementGroup", "subscription", "resourceGroup", \
    "resource"
KINDS = (MANAGEMENT_GROUP, SUBSCRIPTION, RESOURCE_GROUP, RESOURCE)


class ScopeError(ValueError):
    """A scope or role that cannot be parsed or does not exist; the message names the input."""


def is_guid(value):
    return bool(GUID.match(str(value or "").strip()))


def _syntax(ref, why):
    return ScopeError(f"scope {ref!r}: {why}. Give an ARM id (/subscriptions/<id>, /subscriptions/<id>/resourceGroups/"
                      "<name>, /providers/Microsoft.Management/managementGroups/<id>, or a resource id), a "
                      "subscription's name or id, 'Subscription/resource-group', 'Subscription/resource-group/"
                      "resource', or 'mg:<management group name or id>'")


def parse_scope(ref, default_subscription=None):
    """Pure: what the user wrote -> ``{"kind", "input", "subscription", "resource_group", "resource",
    "management_group", "resource_id"}`` (the parts it names, as written). Raises ``ScopeError``."""
    raw = "" if ref is None else str(ref)
    text = raw.strip()
    out = {"input": raw, "subscription": None, "resource_group": None, "resource": None,
           "management_group": None, "resource_id": None}
    if not text:
        if not default_subscription:
            raise ScopeError("no scope given and no default subscription: set scope, or subscription_id (or the "
                             "environment variable AZURE_SUBSCRIPTION_ID)")
        return dict(out, kind=SUBSCRIPTION, subscription=str(default_subscription).strip())
    if text.lower().startswith("mg:"):
        name = text[3:].strip()
        if not name:
            raise _syntax(raw, "'mg:' names no management group")
        return dict(out, kind=MANAGEMENT_GROUP, management_group=name)
    if text.startswith("/"):
        return _parse_id(raw, text.rstrip("/"), out)
    parts = [p.strip() for p in text.split("/")]
    if any(not p for p in parts):
        raise _syntax(raw, "an empty part between slashes")
    if len(parts) > 3:
        raise _syntax(raw, "a friendly scope has at most three parts (subscription/resource group/resource)")
    kind = (SUBSCRIPTION, RESOURCE_GROUP, RESOURCE)[len(parts) - 1]
    return dict(out, kind=kind, subscription=parts[0], resource_group=parts[1] if len(parts) > 1 else None,
                resource=parts[2] if len(parts) > 2 else None)


def _parse_id(raw, text, out):
    if text == "" or text == "/":
        raise _syntax(raw, "the root scope '/' is not a PIM scope for Azure resources")
    lowered = text.lower()
    if lowered.startswith(MG_PREFIX):
        name = text[len(MG_PREFIX):]
        if not name or "/" in name:
            raise _syntax(raw, "a management group id is /providers/Microsoft.Management/managementGroups/<id>")
        return dict(out, kind=MANAGEMENT_GROUP, management_group=name, resource_id=text)
    parts = text.split("/")[1:]
    if not parts or parts[0].lower() != "subscriptions" or len(parts) < 2:
        raise _syntax(raw, "an ARM id starts with /subscriptions/ or /providers/Microsoft.Management/managementGroups/")
    if not is_guid(parts[1]):
        raise _syntax(raw, f"{parts[1]!r} is not a subscription id (a GUID)")
    if len(parts) == 2:
        return dict(out, kind=SUBSCRIPTION, subscription=parts[1], resource_id=text)
    if parts[2].lower() != "resourcegroups" or len(parts) < 4:
        raise _syntax(raw, "below a subscription comes /resourceGroups/<name>")
    if len(parts) == 4:
        return dict(out, kind=RESOURCE_GROUP, subscription=parts[1], resource_group=parts[3], resource_id=text)
    # /subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/{type}/{name}]...
    if parts[4].lower() != "providers" or len(parts) < 8 or (len(parts) - 6) % 2:
        raise _syntax(raw, "a resource id goes on with /providers/<namespace>/<type>/<name>")
    return dict(out, kind=RESOURCE, subscription=parts[1], resource_group=parts[3], resource=parts[-1],
                resource_id=text)


def scope_kind(scope_id):
    """Pure: the kind of a (resolved) ARM scope id."""
    return parse_scope(scope_id)["kind"]


def parent_scopes(scope_id):
    """Pure: the scopes above an ARM id that are inside a subscription (resource group, subscription), nearest
    first. Management groups above a subscription are not in its id: ``ScopeResolver.ancestors`` reads them."""
    parsed = parse_scope(scope_id)
    if parsed["kind"] == MANAGEMENT_GROUP:
        return []
    sub = f"/subscriptions/{parsed['subscription']}"
    if parsed["kind"] == SUBSCRIPTION:
        return []
    if parsed["kind"] == RESOURCE_GROUP:
        return [sub]
    return [f"{sub}/resourceGroups/{parsed['resource_group']}", sub]


def same_scope(a, b):
    return str(a or "").rstrip("/").lower() == str(b or "").rstrip("/").lower()


def role_guid(ref):
    """Pure: a role definition's GUID from its GUID or full id; ``None`` for a name."""
    text = str(ref or "").strip().rstrip("/")
    tail = text.rsplit("/", 1)[-1]
    if is_guid(tail) and (text == tail or "/roledefinitions/" in text.lower()):
        return tail.lower()
    return None


def role_definition_id(scope_id, guid):
    """Pure: the full role definition id of ``guid`` at ``scope_id`` (what requests and policies name)."""
    return f"{str(scope_id).rstrip('/')}{ROLE_DEFINITIONS}{guid}"


def role_name(role):
    return role.get("roleName") or role.get("displayName") or role.get("name")


def match_role_definitions(refs, definitions, scope_label=None):
    """Pure: ref -> role definition (flattened ARM dicts), by GUID, full id or name (``roleName``: exact case
    first, then a case-insensitive match when unique). Raises ``ScopeError`` naming every unknown ref with the
    closest role names."""
    by_guid = {str(d.get("name") or "").lower(): d for d in definitions}
    found, unknown, ambiguous = {}, [], []
    for ref in refs:
        guid = role_guid(ref)
        if guid is not None:
            if guid in by_guid:
                found[ref] = by_guid[guid]
            else:
                unknown.append(ref)
            continue
        name = str(ref).strip()
        exact = [d for d in definitions if role_name(d) == name]
        loose = [d for d in definitions if str(role_name(d) or "").lower() == name.lower()]
        hits = exact or loose
        if len(hits) == 1:
            found[ref] = hits[0]
        elif hits:
            ambiguous.append(f"{ref!r} names {len(hits)} roles (" + ", ".join(str(d.get("name")) for d in hits) +
                             "); give the role's GUID")
        else:
            unknown.append(ref)
    if unknown or ambiguous:
        names = [role_name(d) for d in definitions if role_name(d)]
        parts = []
        for ref in unknown:
            close = suggest(ref, names)
            parts.append(f"{ref!r}" + (f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""))
        where = f" at {scope_label}" if scope_label else ""
        problems = ([f"unknown role(s){where}: " + "; ".join(parts)] if parts else []) + \
            (["ambiguous role(s): " + " | ".join(ambiguous)] if ambiguous else [])
        raise ScopeError(". ".join(problems) + ". Give a role's name (e.g. 'Contributor'), its GUID or its full "
                         "role definition id.")
    return found


def _closest(ref, candidates):
    close = suggest(ref, [c for c in candidates if c])
    return f" (closest: {', '.join(repr(c) for c in close)})" if close else ""


def _is_not_found(err):
    return isinstance(err, GraphCallError) and (err.status == 404 or err.code in (
        "SubscriptionNotFound", "ResourceGroupNotFound", "ResourceNotFound", "ParentResourceNotFound", "NotFound"))


class ScopeResolver:
    """Resolves scopes and role definitions through an ``ArmSession``, reading each list at most once."""

    def __init__(self, arm, default_subscription=None):
        self.arm = arm
        self.default_subscription = default_subscription
        self._subscriptions = None
        self._management_groups = None
        self._groups = {}  # subscription id (lower) -> resource groups
        self._resources = {}  # (subscription, group) lower -> resources
        self._roles = {}  # scope id (lower) -> role definitions

    # -- the lists, cached ---------------------------------------------------------------------
    def subscriptions(self):
        if self._subscriptions is None:
            self._subscriptions = self.arm.list_subscriptions()
        return self._subscriptions

    def management_groups(self):
        if self._management_groups is None:
            self._management_groups = self.arm.list_management_groups()
        return self._management_groups

    def resource_groups(self, subscription_id):
        key = subscription_id.lower()
        if key not in self._groups:
            self._groups[key] = self.arm.list_resource_groups(subscription_id)
        return self._groups[key]

    def resources(self, subscription_id, group):
        key = (subscription_id.lower(), group.lower())
        if key not in self._resources:
            self._resources[key] = self.arm.list_resources(subscription_id, group)
        return self._resources[key]

    def role_definitions(self, scope_id):
        key = scope_id.rstrip("/").lower()
        if key not in self._roles:
            self._roles[key] = self.arm.list_role_definitions(scope_id)
        return self._roles[key]

    # -- scopes --------------------------------------------------------------------------------
    def scope(self, ref):
        """One scope as written -> ``{"id", "kind", "display_name", "subscription_id", "subscription_name",
        "resource_group", "input"}``, checked to exist. Raises ``ScopeError`` (or ``GraphCallError`` for a
        refused read)."""
        parsed = parse_scope(ref, self.default_subscription)
        label = repr(parsed["input"]) if str(parsed["input"]).strip() else \
            f"(default subscription {parsed['subscription']!r})"
        if parsed["kind"] == MANAGEMENT_GROUP:
            group = self._management_group(parsed["management_group"], label)
            return {"id": group["id"], "kind": MANAGEMENT_GROUP, "display_name": group.get("displayName") or
                    group.get("name"), "management_group": group.get("name"), "subscription_id": None,
                    "subscription_name": None, "resource_group": None, "input": parsed["input"]}
        sub = self._subscription(parsed["subscription"], label)
        sub_id = sub.get("subscriptionId") or sub["id"].rsplit("/", 1)[-1]
        out = {"id": f"/subscriptions/{sub_id}", "kind": SUBSCRIPTION, "display_name": sub.get("displayName"),
               "subscription_id": sub_id, "subscription_name": sub.get("displayName"), "resource_group": None,
               "management_group": None, "input": parsed["input"]}
        if parsed["kind"] == SUBSCRIPTION:
            return out
        group = self._resource_group(sub_id, sub.get("displayName"), parsed["resource_group"], label)
        out.update(id=group["id"], kind=RESOURCE_GROUP, display_name=group.get("name"), resource_group=group["name"])
        if parsed["kind"] == RESOURCE_GROUP:
            return out
        resource = self._resource(sub_id, group["name"], parsed, label)
        out.update(id=resource["id"], kind=RESOURCE, display_name=resource.get("name"))
        return out

    def scopes(self, refs):
        """ref -> resolved scope for every ref; raises one ``ScopeError`` naming every unknown or bad one."""
        found, problems = {}, []
        for ref in refs:
            key = "" if ref is None else str(ref)
            if key in found:
                continue
            try:
                found[key] = self.scope(ref)
            except ScopeError as exc:
                problems.append(str(exc))
        if problems:
            raise ScopeError("; ".join(problems))
        return found

    def _management_group(self, name, label):
        groups = self.management_groups()
        lowered = name.lower()
        hits = [g for g in groups if str(g.get("name") or "").lower() == lowered]
        if not hits:
            exact = [g for g in groups if g.get("displayName") == name]
            hits = exact or [g for g in groups if str(g.get("displayName") or "").lower() == lowered]
        if len(hits) > 1:
            raise ScopeError(f"scope {label}: {len(hits)} management groups are called {name!r} ("
                             + ", ".join(str(g.get("name")) for g in hits) + "); give 'mg:<id>'")
        if not hits:
            names = [g.get("displayName") for g in groups] + [g.get("name") for g in groups]
            raise ScopeError(f"scope {label}: no management group {name!r} that this identity can see"
                             f"{_closest(name, names)}")
        return hits[0]

    def _subscription(self, ref, label):
        subs = self.subscriptions()
        lowered = ref.lower()
        hits = [s for s in subs if str(s.get("subscriptionId") or "").lower() == lowered]
        if not hits and not is_guid(ref):
            exact = [s for s in subs if s.get("displayName") == ref]
            hits = exact or [s for s in subs if str(s.get("displayName") or "").lower() == lowered]
        if len(hits) > 1:
            raise ScopeError(f"scope {label}: {len(hits)} subscriptions are called {ref!r} ("
                             + ", ".join(str(s.get("subscriptionId")) for s in hits) + "); give the subscription id")
        if hits:
            return hits[0]
        if is_guid(ref):
            # Not in the list: a subscription the identity has no role on is invisible. Ask for it directly, so a
            # refusal (403) reads as one and a subscription that does not exist as SubscriptionNotFound.
            try:
                return self.arm.get_subscription(ref)
            except GraphCallError as err:
                if not _is_not_found(err):
                    raise
        names = [s.get("displayName") for s in subs]
        raise ScopeError(f"scope {label}: no subscription {ref!r} that this identity can see"
                         f"{_closest(ref, names)}")

    def _resource_group(self, sub_id, sub_name, name, label):
        groups = self.resource_groups(sub_id)
        hits = [g for g in groups if str(g.get("name") or "").lower() == name.lower()]
        if not hits:
            raise ScopeError(f"scope {label}: resource group {name!r} does not exist in subscription "
                             f"{sub_name or sub_id!r}{_closest(name, [g.get('name') for g in groups])}")
        return hits[0]

    def _resource(self, sub_id, group, parsed, label):
        if parsed["resource_id"]:
            return self._resource_by_id(parsed, label)
        resources = self.resources(sub_id, group)
        hits = [r for r in resources if str(r.get("name") or "").lower() == parsed["resource"].lower()]
        if len(hits) > 1:
            raise ScopeError(f"scope {label}: {len(hits)} resources are called {parsed['resource']!r} in "
                             f"{group!r} (" + ", ".join(str(r.get("type")) for r in hits) + "); give the resource id")
        if not hits:
            raise ScopeError(f"scope {label}: resource {parsed['resource']!r} does not exist in resource group "
                             f"{group!r}{_closest(parsed['resource'], [r.get('name') for r in resources])}")
        return hits[0]

    def _resource_by_id(self, parsed, label):
        """A resource given by its id is checked through the role definitions at it (read anyway to match roles):
        Resource Manager answers 404 for a scope below a resource that does not exist. The id comes back in the
        casing Resource Manager uses in the definitions' ids."""
        resource_id = parsed["resource_id"]
        try:
            definitions = self.role_definitions(resource_id)
        except GraphCallError as err:
            if not _is_not_found(err):
                raise
            raise ScopeError(f"scope {label}: resource {parsed['resource']!r} does not exist ({err.code}: "
                             f"{err.message})") from None
        stored = resource_id
        for definition in definitions:
            found = str(definition.get("id") or "")
            cut = found.lower().find(ROLE_DEFINITIONS.lower())
            if cut > 0 and same_scope(found[:cut], resource_id):
                stored = found[:cut]
                break
        return {"id": stored, "name": stored.rsplit("/", 1)[-1]}

    # -- role definitions ----------------------------------------------------------------------
    def roles(self, scope, refs):
        """ref -> role definition at the resolved ``scope`` (built-in and custom roles assignable there)."""
        label = repr(scope.get("display_name") or scope["id"])
        return match_role_definitions(refs, self.role_definitions(scope["id"]), label)

    def _hierarchy(self, root, parent_of, limit):
        """The tree below the tenant root group: one read with ``$expand=children&$recurse=true`` ("Management
        Groups - Get"); a group whose children came back unexpanded is read on its own (at most ``limit`` reads)."""
        todo, reads = [root], 0
        while todo and reads <= limit:
            unexpanded = []
            _walk_tree(self.arm.get_management_group(todo.pop(0), expand_children=True), None, parent_of, unexpanded)
            reads += 1
            todo.extend(u for u in unexpanded if u)

    # -- discovery -----------------------------------------------------------------------------
    def discover(self, resource_groups=False, management_groups=True):
        """The subscriptions (and management groups, and optionally resource groups) the identity sees.

        A management group hierarchy needs read access at the tenant root group: when it is refused, the
        groups are listed flat (``parent`` unknown) and subscriptions without their group."""
        subs = self.subscriptions()
        out = {"subscriptions": [], "management_groups": [], "warnings": []}
        parent_of = {}
        if management_groups:
            try:
                groups = self.management_groups()
            except GraphCallError as err:
                if err.status not in (401, 403, 404):
                    raise
                groups = []
                out["warnings"].append(f"management groups were not listed: {err.describe()}")
            roots = [g for g in groups if str(g.get("name") or "").lower() == str(g.get("tenantId") or "").lower()]
            if roots:
                try:
                    self._hierarchy(roots[0]["name"], parent_of, len(groups))
                except GraphCallError as err:
                    if err.status not in (401, 403, 404):
                        raise
                    out["warnings"].append(f"the management group hierarchy was not read: {err.describe()}")
            for group in groups:
                out["management_groups"].append({
                    "id": group.get("id"), "name": group.get("name"), "display_name": group.get("displayName"),
                    "parent_id": parent_of.get(str(group.get("id") or "").lower())})
        for sub in subs:
            sub_id = sub.get("subscriptionId") or str(sub.get("id") or "").rsplit("/", 1)[-1]
            entry = {"id": f"/subscriptions/{sub_id}", "subscription_id": sub_id,
                     "display_name": sub.get("displayName"), "state": sub.get("state"),
                     "tenant_id": sub.get("tenantId"),
                     "management_group_id": parent_of.get(f"/subscriptions/{sub_id}".lower())}
            if resource_groups:
                entry["resource_groups"] = [{"id": g.get("id"), "name": g.get("name"), "location": g.get("location")}
                                            for g in self.resource_groups(sub_id)]
            out["subscriptions"].append(entry)
        return out


def _walk_tree(node, parent_id, parent_of, unexpanded):
    """A management group read with ``$expand=children`` -> ``parent_of`` (child id (lower) -> parent id); the
    management groups among the children whose own children were not expanded go to ``unexpanded``."""
    node_id = node.get("id")
    if parent_id and node_id:
        parent_of[str(node_id).lower()] = parent_id
    for child in node.get("children") or []:
        child = dict(child, **(child.get("properties") or {})) if "properties" in child else child
        if child.get("children") is None and "managementgroups" in str(child.get("type") or "").lower():
            unexpanded.append(child.get("name"))
        _walk_tree(child, node_id, parent_of, unexpanded)
