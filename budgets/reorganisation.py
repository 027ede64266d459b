"""A year's departments beside the year before, across a reorganisation (組織改正).

A department is compared with itself and with its predecessors of the years between
(renamed: the old name; merged: the sum of the merged ones). A department split in
two is not counted twice: its successors are compared together with it, as a group
whose earlier total is shown once (``shared``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext

KEY = "section__department__id"
NAME = "section__department__name"


def _groups(edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each department id -> a representative of the departments linked to it."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in edges:
        parent[find(left)] = find(right)
    return {node: find(node) for node in parent}


def _sum(rows: list[dict]) -> dict:
    """The count and amounts of ``rows`` (totals_by rows of the same shape) added."""
    return {
        name: sum(row[name] or 0 for row in rows)
        for name in rows[0]
        if name not in (KEY, NAME)
    }


def compare(
    by_department: list[dict],
    earlier_rows: Iterable[dict],
    successions: Iterable[tuple[int, int, str, str]],
) -> list[dict]:
    """Set each row's ``previous`` (its comparable earlier totals, or None),
    ``compared_budgeted`` (what is compared with it: its budget, or its group's)
    and, through a reorganisation, ``predecessors`` (the earlier names) and
    ``shared`` (the names compared together, for a split: the first carries the
    earlier total, the others none).

    ``successions``: (predecessor id, successor id, predecessor name, kind label)
    taking effect after the earlier year up to this one.

    Return the earlier rows compared with none of this year's: departments with
    no project this year and no successor (the earlier column sums to the earlier
    year's total only with them: helper-13).
    """
    key = KEY
    earlier = {row[key]: row for row in earlier_rows}
    successions = list(successions)
    group_of = _groups((pred, succ) for pred, succ, _name, _kind in successions)
    current_ids = {row[key] for row in by_department}
    members: dict[int, list[int]] = defaultdict(list)
    for department_id in current_ids:
        members[group_of.get(department_id, department_id)].append(department_id)
    names = {row[key]: row["section__department__name"] for row in by_department}
    predecessors: dict[int, list[str]] = defaultdict(list)
    for pred, succ, name, kind in successions:
        if pred not in current_ids and pred in earlier:
            predecessors[succ].append(
                gettext("%(name)s（%(kind)s）") % {"name": name, "kind": kind}
            )
    budgeted = {row[key]: row["budgeted"] or 0 for row in by_department}
    compared: set[int] = set()
    for row in by_department:
        department_id = row[key]
        group = group_of.get(department_id, department_id)
        together = sorted(members[group], key=names.__getitem__)
        earlier_ids = {d for d, g in group_of.items() if g == group} | {department_id}
        rows = [earlier[d] for d in earlier_ids if d in earlier]
        compared |= earlier_ids
        first = together[0] == department_id  # a split's earlier total shown once
        row["previous"] = _sum(rows) if rows and first else None
        row["compared_budgeted"] = sum(budgeted[d] for d in together)
        row["predecessors"] = predecessors.get(department_id, [])
        row["shared"] = [names[d] for d in together] if len(together) > 1 else []
    return [
        row for department_id, row in earlier.items() if department_id not in compared
    ]


def note_moved_sections(
    by_department: list[dict],
    moved: Iterable[tuple],
    successions: Iterable[tuple[int, int, str, str]],
) -> None:
    """Set each row's ``moved_in`` and ``moved_out``: the sections moved to or from
    the department since the year before, whose projects its change includes (a
    department that gained one showed +227.5 % with no word why: helper-13). A
    section that went with its department (renamed, merged, split: ``successions``,
    as ``compare`` takes them) is compared with it already, and not noted."""
    with_department = {(pred, succ) for pred, succ, _name, _kind in successions}
    rows = {row[KEY]: row for row in by_department}
    for row in by_department:
        row["moved_in"], row["moved_out"] = [], []
    for section, source, source_name, target, target_name in moved:
        if (source, target) in with_department:
            continue
        if target in rows:
            rows[target]["moved_in"].append((section, source_name))
        if source in rows:
            rows[source]["moved_out"].append((section, target_name))
