# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reads and writes of the access review modules; the planning is ``_access_reviews`` (pure).

Private to the collection (leading underscore): may change in any release.
"""

from __future__ import annotations

import time

from ._access_reviews import (
    as_options,
    covers_role,
    describe,
    instance_summary,
    last_instances,
    reviewer_label,
)
from ._client import GraphCallError, _retry_delay
from ._graph_paths import (
    ACCESS_REVIEW_DEFINITIONS,
    access_review_decisions_path,
    access_review_instances_path,
    principals_by_ids,
)


# Graph may answer a missing access review permission with Authorization_RequestDenied, whose general hint (in
# _client.HINTS) is about directory reads: for these routes, name the permission the pages list instead.
READ_HINT = ("grant the app AccessReview.Read.All (AccessReview.ReadWrite.All to write), with admin consent; "
             "docs/permissions.md lists what each module needs")
WRITE_HINT = ("grant the app AccessReview.ReadWrite.All, with admin consent (a signed-in user also needs Privileged "
              "Role Administrator or Identity Governance Administrator for reviews of directory roles); "
              "docs/permissions.md lists what each module needs")


def with_permission_hint(error, write):
    """``error`` with the access review permission as its hint when Graph refused an access review call (401/403);
    any other error (a refused role or directory read) keeps its own."""
    if getattr(error, "status", None) in (401, 403) and getattr(error, "code", "") != "InvalidAuthenticationToken" \
            and ACCESS_REVIEW_DEFINITIONS.lower() in str(getattr(error, "path", "") or "").lower():
        error.hint = WRITE_HINT if write else READ_HINT
    return error


def create_once(graph, body, name, sleep=time.sleep):
    """POST a definition without ever creating two: ``(definition id, confirmed by a re-read)``.

    The session retries 429/503/504 for every method, but a POST whose 503 came after Graph created the review
    would create a second one of the same name (and every later run would refuse the name as ambiguous). So the
    POST goes out with the session's retries off; a 429 (refused, never applied) is retried after its
    Retry-After, and any other 5xx or a lost answer is settled by reading the reviews of that name: found, it
    landed; not found, it is sent again (it did not land), within the session's retry budget.
    """
    budget, saved = graph.max_retries, graph.max_retries
    attempt = 0
    while True:
        graph.max_retries = 0
        try:
            created = graph.post(ACCESS_REVIEW_DEFINITIONS, body) or {}
            return created.get("id"), False
        except GraphCallError as exc:
            if exc.status != 429 and exc.status not in (0, 500, 502, 503, 504):
                raise
            if exc.status != 429:
                graph.max_retries = saved  # the re-read is a read: retried as usual
                found = [d for d in read_definitions(graph) if d.get("displayName") == name]
                if found:
                    return found[0]["id"], True
            if attempt >= budget:
                raise
            sleep(_retry_delay({"retry-after": exc.retry_after} if exc.retry_after else {}, attempt))
            graph.retries += 1
            attempt += 1
        finally:
            graph.max_retries = saved


def read_definitions(graph):
    """Every access review definition of the tenant (one paged read; reviews are few)."""
    return graph.get_all(ACCESS_REVIEW_DEFINITIONS)


def principal_names(graph, ids, known=None):
    """id (lower case) -> a UPN (users) or display name (groups), for ``ids`` not in ``known`` already: one
    ``getByIds`` per 1000 ids. Ids of deleted principals are simply absent (the label falls back to the id)."""
    names = dict(known or {})
    todo = sorted({i.lower() for i in ids if i and i.lower() not in names})
    if todo:
        for obj in principals_by_ids(graph, todo, types=("user", "group")):
            names[obj["id"].lower()] = obj.get("userPrincipalName") or obj.get("displayName") or obj["id"]
    return names


def ids_to_name(described_list):
    """The principal ids a list of described definitions names (groups reviewed, reviewers, fallbacks)."""
    ids = set()
    for described in described_list:
        ids.update(described["groups"])
        ids.update(k[1] for k in described["reviewers"] + described["fallback_reviewers"] if k[0] in ("user", "group"))
    return ids


def role_names_of(roles):
    """Role definitions (as the resolver reads them) -> id and template id (lower case) -> display name."""
    out = {}
    for role in roles:
        for key in ("id", "templateId"):
            if role.get(key):
                out[str(role[key]).lower()] = role.get("displayName")
    return out


def read_last_instances(graph, definitions, with_decisions=True):
    """definition id -> ``instance_summary`` of its last occurrence (None when none has started), with the decision
    counts of its instances. The instance lists of all definitions go out together ($batch), then the decision
    lists of every last instance together: two round trips for any number of reviews. A failed read raises."""
    if not definitions:
        return {}
    outcomes = graph.read_many([{"url": access_review_instances_path(d["id"])} for d in definitions])
    last = {}
    for definition, outcome in zip(definitions, outcomes, strict=True):
        if outcome["error"] is not None:
            raise outcome["error"]
        last[definition["id"]] = last_instances(outcome["items"])
    pairs = [(d_id, inst) for d_id, insts in last.items() for inst in insts]
    decisions = {d_id: [] for d_id in last}
    if with_decisions and pairs:
        outcomes = graph.read_many([{"url": access_review_decisions_path(d_id, inst["id"])} for d_id, inst in pairs])
        for (d_id, _inst), outcome in zip(pairs, outcomes, strict=True):
            if outcome["error"] is not None:
                raise outcome["error"]
            decisions[d_id].extend(outcome["items"])
    return {d_id: instance_summary(insts, decisions[d_id] if with_decisions else None)
            for d_id, insts in last.items()}


def summarise(described, role_names, names, last=None, with_last=True):
    """A described definition as ``pim_access_review_info`` returns it: ids with names, the options' words."""
    out = dict(as_options(described, role_names, names))
    out.update(
        id=described["id"],
        roles=[{"id": r, "name": role_names.get(r)} for r in described["roles"]],
        groups=[{"id": g, "name": names.get(g)} for g in described["groups"]],
        reviewers=sorted(reviewer_label(k, names) for k in described["reviewers"]),
        recurrence_pattern=described["recurrence_pattern"],
        other_scopes=described["other_scopes"],
        status=described["status"],
    )
    if with_last:
        out["last_instance"] = last
    return out


def select(definitions, names=None, role_ids=None):
    """The definitions named in ``names`` (exact display names) and covering any of ``role_ids``, described, in
    Graph's order: ``[(definition, described)]``."""
    out = []
    for definition in definitions:
        if names is not None and definition.get("displayName") not in names:
            continue
        described = describe(definition)
        if role_ids is not None and not covers_role(described, role_ids):
            continue
        out.append((definition, described))
    return out
