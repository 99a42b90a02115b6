# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run every PIM settings module shares once its targets are paired with their policies.

Private to the collection (leading underscore): may change in any release.

pim_role_setting (directory roles) and pim_group_setting (the member and owner policies of PIM for
Groups) differ in how they find their targets and policies; from there on everything is this one copy:
merge the groups of settings (conflicts fail), plan every policy (a bad combination fails), describe
(diff mode names the approvers), stop in check mode or when nothing changes, write one PATCH per changed
policy (batched), settle lost answers by one re-read, and report per target which write failed.
``_role_settings.SettingsShape`` says how the results name things for each surface.
"""

from __future__ import annotations

from ._policy import PolicyError, apply_plan, changed_paths, plan, principal_name, rules_to_settings
from ._role_settings import (
    DIRECTORY_SETTINGS,
    approver_names,
    combine_groups,
    group_label,
    outcome_unknown,
    settle_unknown,
    write_rules,
)


def plan_targets(module, targets, approvers):
    """One entry per target, with the rule bodies to write; fails before any write on a bad combination."""
    planned, problems = [], []
    for target in targets:
        role, policy = target["role"], target["policy"]
        try:
            bodies = plan(policy["rules"], target["desired"], approvers)
        except PolicyError as exc:
            problems.append(f"{role['displayName']}: {exc}")
            continue
        planned.append(dict(target, policy_id=policy["policy_id"], bodies=bodies))
    if problems:
        module.fail("nothing was written; " + "; ".join(problems))
    return planned


def describe(item, names=None, diff=False, grouped=False, shape=DIRECTORY_SETTINGS):
    """A target's result entry: who it is, whether and what changes, before/after in diff mode."""
    before = rules_to_settings(item["policy"]["rules"], names)
    after = rules_to_settings(apply_plan(item["policy"]["rules"], item["bodies"]), names)
    entry = dict(shape.identity(item["role"]))
    entry.update(changed=bool(item["bodies"]), changed_rules=sorted(item["bodies"]),
                 changed_settings=changed_paths(before, after))
    if grouped:
        entry[shape.labels_key] = item["groups"]
    if diff:
        entry.update(before=before, after=after)
    return entry


def summarise_groups(groups, planned, results, shape=DIRECTORY_SETTINGS):
    """Per group of ``role_settings`` (``group_settings``): its targets and whether any of them changed."""
    by_group = {}
    for item, entry in zip(planned, results, strict=True):
        for label in item["groups"]:
            by_group.setdefault(label, []).append((item, entry))
    out = []
    for index, group in enumerate(groups):
        label = group_label(index, group, shape)
        members = by_group.get(label, [])
        out.append({"name": group.get("name"), "label": label,
                    shape.summary_targets_key: [item["role"]["displayName"] for item, _entry in members],
                    "changed": any(e["changed"] for _item, e in members),
                    "failed": any(e.get("failed") for _item, e in members)})
    return out


def apply_settings(module, groups, group_pairs, approvers, grouped, extra=None, reread=None,
                   shape=DIRECTORY_SETTINGS, write=None):
    """Merge, plan, describe, write and report: the module's result (exits or fails; never returns).

    ``group_pairs`` holds each group's ``[(target, policy)]`` as read, ``approvers`` the resolved approver
    names of every group. ``reread(graph)`` reads the targeted policies again to settle a lost answer
    (``settle_unknown``). ``extra`` goes into the result as it is. ``write(changes)`` writes the changed
    rules and answers ``write_rules``' ``[(change, error | None)]``; by default Graph's PATCH per policy
    (``write_rules``), for another API its own (Azure resource roles: ``_arm_role_settings.write_policies``).
    """
    graph = module.graph()
    extra = dict(extra or {})
    targets, conflicts = combine_groups(groups, group_pairs, approvers, shape)
    if conflicts:
        module.fail(f"conflicting {shape.noun} settings, nothing was written: " + "; ".join(conflicts))
    planned = plan_targets(module, targets, approvers)
    changes = [item for item in planned if item["bodies"]]
    names = None
    if module.diff_mode and changes:
        # Names only for what is shown: before/after of the targets that change.
        try:
            names = approver_names(graph, [(c["role"], c["policy"]) for c in changes])
        except Exception as exc:
            module.fail_graph(exc, "Reading the approvers' names")
        names.update({p["id"].lower(): principal_name(p) for p in approvers.values()})
    results = [describe(item, names, module.diff_mode and bool(item["bodies"]), grouped, shape)
               for item in planned]
    result = dict(extra, changed=bool(changes))
    result[shape.result_key] = results
    if grouped:
        result[shape.summary_key] = summarise_groups(groups, planned, results, shape)
    if module.diff_mode:
        shown = [(item["role"]["displayName"], entry) for item, entry in zip(planned, results, strict=True)]
        result["diff"] = {"before": {name: entry["before"] for name, entry in shown if "before" in entry},
                          "after": {name: entry["after"] for name, entry in shown if "after" in entry}}
    if module.check_mode or not changes:
        module.exit(**result)

    # A lost answer (dropped connection, 5xx after every retry) says nothing about the write: one
    # re-read of the policies decides, so changed is true exactly when the tenant changed.
    written = write(changes) if write is not None else write_rules(graph, changes)
    outcome, reread_error = settle_unknown(graph, written, approvers, reread)
    by_target = {item["role"]["id"]: entry for item, entry in zip(planned, results, strict=True)}
    for change, _err in outcome:
        if change.get("confirmed_by_reread"):
            by_target[change["role"]["id"]]["confirmed_by_reread"] = True
    failed = [(c, err) for c, err in outcome if err is not None]
    if not failed:
        module.exit(**result)
    name = {c["role"]["id"]: c["role"]["displayName"] for c, _err in outcome}
    applied = [name[c["role"]["id"]] for c, err in outcome if err is None]
    partly = [name[c["role"]["id"]] for c, err in failed if c.get("landed")]
    unsure = [name[c["role"]["id"]] for c, err in failed if reread_error is not None and outcome_unknown(err)]
    for change, _error in failed:
        entry = by_target[change["role"]["id"]]
        entry["changed"] = bool(change.get("landed")) or name[change["role"]["id"]] in unsure
        entry["failed"] = True
    if grouped:
        extra[shape.summary_key] = summarise_groups(groups, planned, results, shape)
    notes = (f". Applied: {', '.join(applied)}" if applied else ". Nothing was applied" if not unsure else "")
    if partly:
        notes += f". Partly applied (some rules landed, re-read): {', '.join(partly)}"
    if unsure:
        notes += (f". Whether these landed is unknown, the re-read failed too ({reread_error.describe()}): "
                  f"{', '.join(unsure)}; run again to converge")
    module.fail(
        f"writing PIM settings failed for {len(failed)} of {len(changes)} changed {shape.noun}(s): " +
        "; ".join(f"{name[c['role']['id']]}: {err.describe()}" +
                  (" (the re-read shows it did not land)" if outcome_unknown(err) and reread_error is None
                   else "") for c, err in failed) + notes,
        changed=bool(applied) or bool(partly) or bool(unsure),
        errors=[dict(err.as_dict(), **shape.error_identity(c["role"])) for c, err in failed],
        **{shape.result_key: results}, **extra)
