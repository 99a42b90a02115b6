# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names -> ids for roles, principals and scopes, in bulk.

Private to the collection (leading underscore): may change in any release.

Users write "Exchange Administrator", "alice@contoso.com" or "PIM-Approvers"; Graph wants
GUIDs. Everything a run needs is resolved up front, in a handful of requests (one read of all
role definitions, one ``getByIds`` for ids, one filtered read per 15 names), and every unknown
name is reported together, with the closest known names, before anything is written.
"""

from __future__ import annotations

import difflib
import re
import time

from ._graph_paths import (  # odata_quote: still importable from here, where it was first
    ADMINISTRATIVE_UNITS, GROUPS, ROLE_DEFINITIONS, SERVICE_PRINCIPALS, USERS, odata_quote, principals_by_ids,
)

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
IN_LIMIT = 15  # Graph accepts at most 15 values in one "in (...)" filter
TYPE_PREFIXES = {"user": "user", "group": "group", "sp": "servicePrincipal", "serviceprincipal": "servicePrincipal"}
# Words that once meant the tenant-wide scope; now refused as ambiguous (see Resolver.scopes).
TENANT_WORDS = ("tenant", "directory")
ODATA_TYPES = {"#microsoft.graph.user": "user", "#microsoft.graph.group": "group",
               "#microsoft.graph.servicePrincipal": "servicePrincipal"}


class ResolveError(ValueError):
    """Names that do not exist in the tenant; the message lists them all."""


def ambiguous_scope(ref):
    """What is wrong with a scope that can be refused without a read, or None.

    An empty scope and the words that once meant '/' ("tenant", "directory") are refused: an
    administrative unit may carry the very name (tenant data decides it), so a value that can mean
    either is refused rather than guessed. Only an unset scope (None) means the whole tenant; the
    callers map it to '/' before asking. Pure, so input validation can refuse these before any call.
    """
    text = str(ref).strip()
    if not text:
        return f"{ref!r} is empty; write '/' for the whole tenant"
    if text.lower() in TENANT_WORDS:
        return (f"{ref!r} is ambiguous (the whole tenant, or an administrative unit of that name?); write '/' "
                "for the whole tenant, or '/administrativeUnits/{id}' for an administrative unit")
    return None


def is_guid(value):
    return bool(value) and bool(GUID.match(str(value)))


def _chunks(values, size):
    values = list(values)
    return [values[i:i + size] for i in range(0, len(values), size)]


def suggest(name, candidates, limit=3):
    """The closest known names, for 'did you mean' in an error."""
    lowered = {}
    for c in candidates:  # names differing only by case (a built-in and a custom role) are both offered
        lowered.setdefault(c.lower(), []).append(c)
    close = difflib.get_close_matches(str(name).lower(), list(lowered), n=limit, cutoff=0.5)
    return [original for m in close for original in lowered[m]][:limit]


def _role_label(role):
    kind = "built-in" if role.get("isBuiltIn") else "custom" if role.get("isBuiltIn") is False else "kind unknown"
    return f"{role.get('displayName')!r} (id {role.get('id')}, {kind}, isBuiltIn: {role.get('isBuiltIn')})"


def match_role(ref, definitions):
    """Pure: one ref -> (role, None) or (None, problem).

    An id or template id always wins. A display name matches exactly (case-sensitive) first, because
    custom roles may differ from built-in ones only by case ("Exchange administrator" next to
    "Exchange Administrator", microsoft/Microsoft365DSC #5330, #5532); only when no role has exactly
    that name is a case-insensitive match taken, and only when it is the only one. Nothing is ever
    matched by prefix or similarity: "Global Administrator" never means "Global Administrator (custom)".
    """
    text = str(ref).strip()
    if is_guid(text):
        folded = text.lower()
        hits = [r for r in definitions
                if folded in (str(r.get("id") or "").lower(), str(r.get("templateId") or "").lower())]
        # An id is unique; a template id may also be a custom role's id only in theory: the id wins.
        exact = [r for r in hits if str(r.get("id") or "").lower() == text.lower()]
        hits = exact or hits
        return (hits[0], None) if hits else (None, None)
    for hits in ([r for r in definitions if r.get("displayName") == text],
                 [r for r in definitions if str(r.get("displayName") or "").lower() == text.lower()]):
        if len(hits) == 1:
            return hits[0], None
        if len(hits) > 1:
            return None, (f"{ref!r} is ambiguous: " + "; ".join(_role_label(r) for r in hits) +
                          "; give the exact display name (case matters) or the id")
    return None, None


def match_roles(refs, definitions):
    """Pure: ref -> role definition, by id, template id or display name (see ``match_role``)."""
    found, unknown, ambiguous = {}, [], []
    for ref in refs:
        role, problem = match_role(ref, definitions)
        if role is not None:
            found[ref] = role
        elif problem:
            ambiguous.append(problem)
        else:
            unknown.append(ref)
    if unknown or ambiguous:
        names = [r.get("displayName") for r in definitions if r.get("displayName")]
        parts = []
        for ref in unknown:
            close = suggest(ref, names)
            parts.append(f"{ref!r}" + (f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""))
        problems = (["unknown role(s): " + "; ".join(parts)] if parts else []) + \
            (["ambiguous role(s): " + " | ".join(ambiguous)] if ambiguous else [])
        raise ResolveError(". ".join(problems) + ". Give a role's display name, template id or id.")
    return found


def split_principal_ref(ref):
    """'group:PIM-Admins' -> ('group', 'PIM-Admins'); 'alice@x' -> (None, 'alice@x')."""
    text = str(ref).strip()
    if ":" in text:
        prefix, rest = text.split(":", 1)
        kind = TYPE_PREFIXES.get(prefix.strip().lower())
        if kind:
            return kind, rest.strip()
    return None, text


class Resolver:
    """Bulk lookups for one run; every answer is cached for the rest of the run.

    A principal created seconds before the run may not be readable yet: directory reads lag behind
    writes (kayasax/EasyPIM #22; Microsoft Learn, "Microsoft Graph service-specific throttling
    limits" and "Known issues": directory replication). So names not found are looked up again, up to
    ``LOOKUP_ATTEMPTS`` times in all, after ``LOOKUP_DELAYS`` seconds, never longer than
    ``LOOKUP_CAP`` seconds of waiting in all, before they are called unknown. Only the missing names
    are asked again, with the same exact-match rules: a retry can find the right principal later,
    never a different one.
    """

    LOOKUP_ATTEMPTS = 3
    LOOKUP_DELAYS = (1.0, 2.0)
    LOOKUP_CAP = 5.0

    def __init__(self, graph, sleep=time.sleep, clock=time.monotonic):
        self.graph = graph
        self.sleep, self.clock = sleep, clock
        self._roles = None
        self._principals = {}
        self.lookup_retries = 0  # how many times missing principals were looked up again

    # -- roles ----------------------------------------------------------------------------
    ROLE_SELECT = {"$select": "id,displayName,templateId,isBuiltIn,isEnabled"}

    def all_roles(self):
        if self._roles is None:
            self._roles = self.graph.get_all(ROLE_DEFINITIONS, params=self.ROLE_SELECT)
        return self._roles

    def roles_read(self):
        """The read ``all_roles`` makes, for a caller that sends it with other reads (``read_many``);
        None when the role definitions are already read. ``take_roles`` hands the answer back."""
        return None if self._roles is not None else {"url": ROLE_DEFINITIONS, "params": self.ROLE_SELECT}

    def take_roles(self, roles):
        self._roles = list(roles)

    def roles(self, refs):
        """ref -> role definition; raises ResolveError naming every unknown ref."""
        return match_roles(refs, self.all_roles())

    # -- principals -----------------------------------------------------------------------
    def principals(self, refs, kinds=("user", "group", "servicePrincipal")):
        """ref -> {"id", "type", "displayName", "userPrincipalName"?, "appId"?}.

        Accepted forms: an object id; a user principal name; a group or service principal
        display name; a service principal's app id; any of them prefixed ``user:``, ``group:``
        or ``sp:`` to say which kind is meant when a name is shared.
        """
        todo = [r for r in dict.fromkeys(refs) if r not in self._principals]
        waited, attempt = 0.0, 1
        self._look_up(todo)
        while True:
            todo = [r for r in todo if r not in self._principals]
            if not todo or attempt >= self.LOOKUP_ATTEMPTS:
                break
            delay = self.LOOKUP_DELAYS[min(attempt - 1, len(self.LOOKUP_DELAYS) - 1)]
            if waited + delay > self.LOOKUP_CAP:
                break  # a slow machine already spent the budget: the cap bounds the wait, not the count
            started = self.clock()
            self.sleep(delay)
            waited += max(self.clock() - started, delay)
            attempt += 1
            self.lookup_retries += 1
            self._look_up(todo)
        unknown = [r for r in refs if r not in self._principals]
        wrong = [r for r in refs if r in self._principals and self._principals[r]["type"] not in kinds]
        problems = []
        if unknown:
            close = self._close_principals(unknown)
            problems.append("not found in the tenant: " + ", ".join(
                repr(r) + (f" (did you mean {', '.join(repr(c) for c in close[r])}?)" if close.get(r) else "")
                for r in unknown))
        if wrong:
            problems.append("of a kind not allowed here (" + "/".join(kinds) + "): " +
                            ", ".join(f"{r!r} is a {self._principals[r]['type']}" for r in wrong))
        if problems:
            raise ResolveError("principal(s) " + "; ".join(problems) +
                               ". Give an object id, a user principal name, a group or service principal "
                               "display name, or an app id (prefix with user:, group: or sp: to disambiguate).")
        return {r: self._principals[r] for r in refs}

    def groups(self, refs):
        """ref -> group (as ``principals`` describes it), by display name or object id, for options that name a
        group (PIM for Groups' ``group``). Only groups are looked up, so a user or service principal sharing the
        name is no ambiguity, and unknown names are answered with the closest group names."""
        as_group = {ref: ref if split_principal_ref(ref)[0] else "group:" + str(ref).strip()
                    for ref in dict.fromkeys(refs)}
        try:
            found = self.principals(list(as_group.values()), kinds=("group",))
        except ResolveError:
            unknown = [ref for ref, key in as_group.items() if key not in self._principals]
            wrong = [f"{ref!r} is a {self._principals[key]['type']}" for ref, key in as_group.items()
                     if key in self._principals and self._principals[key]["type"] != "group"]
            close = self._close_principals([as_group[ref] for ref in unknown])
            parts = ["not found in the tenant: " + ", ".join(
                repr(ref) + (f" (did you mean {', '.join(repr(c) for c in close[as_group[ref]])}?)"
                             if close.get(as_group[ref]) else "") for ref in unknown)] if unknown else []
            parts += ["not a group: " + ", ".join(wrong)] if wrong else []
            raise ResolveError("group(s) " + "; ".join(parts) + ". Give a group's display name or object id.") \
                from None
        return {ref: found[key] for ref, key in as_group.items()}

    SUGGEST_LIMIT = 5  # unknown names given suggestions; the rest are only named

    def _close_principals(self, unknown):
        """ref -> the closest existing names, for the error only (nothing is ever chosen from them).

        One ``startswith`` read per kind for the first ``SUGGEST_LIMIT`` unknown names, on the first
        three characters; best effort: a read that fails just gives no suggestion.
        """
        out = {}
        for ref in unknown[:self.SUGGEST_LIMIT]:
            kind, text = split_principal_ref(ref)
            if is_guid(text) or len(text) < 3:
                continue
            prefix = odata_quote(text[:3])
            if "@" in text:
                sources = [(USERS, f"startswith(userPrincipalName,{prefix})", "userPrincipalName")]
            else:
                sources = [(path, f"startswith(displayName,{prefix})", "displayName")
                           for k, path in (("group", GROUPS), ("servicePrincipal", SERVICE_PRINCIPALS))
                           if kind in (None, k)]
            names = []
            for path, flt, key in sources:
                try:
                    page = self.graph.get(path, params={"$filter": flt, "$select": "id," + key, "$top": "50"}) or {}
                except Exception:  # noqa: BLE001, S112 - a suggestion is a courtesy; the error stands without it
                    continue
                names += [o.get(key) for o in page.get("value", []) if o.get(key)]
            out[ref] = suggest(text, names)
        return out

    def _look_up(self, todo):
        """One pass over ``todo``: ids, UPNs, names, then GUIDs that were no object id as app ids."""
        ids, upns, names, app_ids = [], [], [], []
        for ref in todo:
            kind, text = split_principal_ref(ref)
            if is_guid(text):
                ids.append((ref, kind, text.lower()))
            elif "@" in text and kind in (None, "user"):
                upns.append((ref, text))
            else:
                names.append((ref, kind, text))
        self._by_ids(ids, app_ids)
        self._by_upns(upns)
        self._by_names(names)
        self._by_app_ids(app_ids)

    @staticmethod
    def _describe(obj, kind):
        out = {"id": obj["id"], "type": kind, "displayName": obj.get("displayName")}
        for key in ("userPrincipalName", "appId", "isAssignableToRole"):
            if key in obj:
                out[key] = obj[key]
        return out

    def _by_ids(self, ids, app_ids):
        if not ids:
            return
        found = {o["id"].lower(): o for o in principals_by_ids(self.graph, [oid for _ref, _kind, oid in ids])}
        for ref, kind, oid in ids:
            obj = found.get(oid)
            obj_kind = ODATA_TYPES.get((obj or {}).get("@odata.type"))
            if obj is not None and (kind is None or kind == obj_kind):
                self._principals[ref] = self._describe(obj, obj_kind)
            elif kind in (None, "servicePrincipal"):
                app_ids.append((ref, oid))  # a GUID that is no object id may be an app id

    @staticmethod
    def _upn_read(chunk):
        values = ",".join(odata_quote(upn) for _ref, upn in chunk)
        return {"url": USERS, "params": {"$filter": f"userPrincipalName in ({values})",
                                         "$select": "id,displayName,userPrincipalName"}}

    def _take_upns(self, chunk, users):
        by_upn = {u["userPrincipalName"].lower(): u for u in users}
        for ref, upn in chunk:
            if upn.lower() in by_upn:
                self._principals[ref] = self._describe(by_upn[upn.lower()], "user")

    def _by_upns(self, upns):
        for chunk in _chunks(upns, IN_LIMIT):
            read = self._upn_read(chunk)
            self._take_upns(chunk, self.graph.get_all(read["url"], params=read["params"]))

    NAME_SOURCES = (("group", GROUPS, "id,displayName,isAssignableToRole"),
                    ("servicePrincipal", SERVICE_PRINCIPALS, "id,displayName,appId"))

    @classmethod
    def _name_reads(cls, chunk):
        """(kind, wanted, read) for each kind of object a chunk of display names may be."""
        out = []
        for kind, path, select in cls.NAME_SOURCES:
            wanted = [(ref, text) for ref, k, text in chunk if k in (None, kind)]
            if wanted:
                values = ",".join(odata_quote(text) for _ref, text in wanted)
                out.append((kind, wanted, {"url": path, "params": {"$filter": f"displayName in ({values})",
                                                                   "$select": select}}))
        return out

    def _matches(self, chunk, answers):
        """ref -> the objects of every kind whose display name is the ref's, ignoring case."""
        matches = {item[0]: [] for item in chunk}
        for (kind, wanted, _read), objs in answers:
            for ref, text in wanted:
                matches[ref].extend(self._describe(o, kind) for o in objs
                                    if (o.get("displayName") or "").lower() == text.lower())
        return matches

    def _by_names(self, names):
        for chunk in _chunks(names, IN_LIMIT):
            answers = [((kind, wanted, read), self.graph.get_all(read["url"], params=read["params"]))
                       for kind, wanted, read in self._name_reads(chunk)]
            for ref, found in self._matches(chunk, answers).items():
                if len(found) == 1:
                    self._principals[ref] = found[0]
                elif len(found) > 1:
                    raise ResolveError(
                        f"principal {ref!r} is ambiguous: " +
                        ", ".join(f"{f['type']} {f['id']}" for f in found) +
                        "; give the object id or prefix the name with group: or sp:")

    def principal_reads(self, refs):
        """The first lookup of ``refs`` by user principal name and by display name as reads, for a caller that
        sends them with its other reads (``read_many``) and hands the answers to ``take_principals``.

        Only a head start: object ids (a ``getByIds`` POST, then app ids) are not covered, and ``principals``
        still looks up, retries and reports whatever these reads did not settle (a failed read, a name not
        found yet, a name shared by a group and a service principal) exactly as it does on its own.
        """
        upns, names = [], []
        for ref in dict.fromkeys(refs):
            if ref in self._principals:
                continue
            kind, text = split_principal_ref(ref)
            if is_guid(text):
                continue
            if "@" in text and kind in (None, "user"):
                upns.append((ref, text))
            else:
                names.append((ref, kind, text))
        plan = [("upns", chunk, self._upn_read(chunk)) for chunk in _chunks(upns, IN_LIMIT)]
        for chunk in _chunks(names, IN_LIMIT):
            plan.extend(("names", (chunk, source), source[2]) for source in self._name_reads(chunk))
        return plan

    def take_principals(self, plan, answers):
        """``principal_reads``' plan with ``read_many``'s outcome for each of its reads."""
        by_chunk = {}
        for (what, chunk, _read), answer in zip(plan, answers, strict=True):
            if what == "upns":
                if answer["error"] is None:
                    self._take_upns(chunk, answer["items"])
                continue
            names, source = chunk
            entry = by_chunk.setdefault(id(names), (names, [], []))
            (entry[2] if answer["error"] is not None else entry[1]).append((source, answer["items"]))
        for names, answered, failed in by_chunk.values():
            if failed:
                continue  # a kind unread: the name may be ambiguous, principals() reads the chunk again
            for ref, found in self._matches(names, answered).items():
                if len(found) == 1:
                    self._principals[ref] = found[0]

    def _by_app_ids(self, app_ids):
        for chunk in _chunks(app_ids, IN_LIMIT):
            values = ",".join(odata_quote(app) for _ref, app in chunk)
            sps = self.graph.get_all(SERVICE_PRINCIPALS, params={
                "$filter": f"appId in ({values})", "$select": "id,displayName,appId"})
            by_app = {s["appId"].lower(): s for s in sps}
            for ref, app in chunk:
                if app in by_app:
                    self._principals[ref] = self._describe(by_app[app], "servicePrincipal")

    # -- scopes ---------------------------------------------------------------------------
    def scopes(self, refs):
        """ref -> directoryScopeId: "/" (the tenant), an administrative unit by name or id,
        ``/administrativeUnits/{id}``, or an application scope ``/{applicationObjectId}``.

        Every scope is checked to exist, in bulk, before anything is written: Graph would refuse
        an unknown one only when the write is sent, after the other items of a list went through.
        """
        out, units, apps, problems = {}, [], [], []
        for ref in dict.fromkeys(refs):
            text = "/" if ref is None else str(ref).strip()
            problem = None if ref is None else ambiguous_scope(ref)
            if text == "/":
                out[ref] = "/"
            elif problem:
                problems.append(problem)
            elif text.lower().startswith("/administrativeunits/"):
                units.append((ref, text.split("/", 2)[2]))
            elif text.startswith("/"):
                if is_guid(text[1:]):
                    apps.append((ref, text[1:].lower()))
                else:
                    problems.append(f"{ref!r} is neither '/', '/administrativeUnits/{{id}}' nor "
                                    "'/{applicationObjectId}'")
            else:
                units.append((ref, text))
        problems += self._unit_scopes(units, out)
        problems += self._app_scopes(apps, out)
        if problems:
            raise ResolveError("scope(s) not usable: " + "; ".join(problems) +
                               ". Give '/', an administrative unit name or id, or '/{applicationObjectId}'.")
        return out

    def _unit_scopes(self, units, out):
        problems = []
        for chunk in _chunks(units, IN_LIMIT):
            names = [text for _ref, text in chunk if not is_guid(text)]
            ids = [text.lower() for _ref, text in chunk if is_guid(text)]
            clauses = []
            if names:
                clauses.append("displayName in (" + ",".join(odata_quote(n) for n in names) + ")")
            if ids:
                clauses.append("id in (" + ",".join(odata_quote(i) for i in ids) + ")")
            found = self.graph.get_all(ADMINISTRATIVE_UNITS,
                                       params={"$filter": " or ".join(clauses), "$select": "id,displayName"})
            for ref, text in chunk:
                hit = [u for u in found if u["id"].lower() == text.lower()
                       or (u.get("displayName") or "").lower() == text.lower()]
                if len(hit) == 1:
                    out[ref] = "/administrativeUnits/" + hit[0]["id"]
                elif hit:
                    problems.append(f"{ref!r} names several administrative units; give its id")
                else:
                    problems.append(f"{ref!r} is not an administrative unit of the tenant")
        return problems

    def _app_scopes(self, apps, out):
        if not apps:
            return []
        known = {o["id"].lower() for o in principals_by_ids(self.graph, [oid for _ref, oid in apps], ["application"])}
        problems = []
        for ref, oid in apps:
            if oid in known:
                out[ref] = "/" + oid
            else:
                problems.append(f"{ref!r} is not an application (object id) of the tenant")
        return problems
