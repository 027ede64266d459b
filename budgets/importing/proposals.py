"""What an import proposes across years that change (組織改正, renamed projects).

For each new department that mostly holds an earlier department's sections and
projects, an organisation change (renamed, merged, split); for a section that
appears under another department, a move. For each new project that no exact match
links, the likeliest earlier projects, looked for in the same or a successor section
first, then in the same department and its predecessors: a similar name, a similar
description, an amount of the same order, each piece of evidence one line.

Only earlier years are ever candidates. Fast enough for a 20,000-row year
(``benchmarks/link_proposals.py``): names and descriptions are first compared as
sets of character pairs, and only the few best get ``difflib``'s ratio, with one
SequenceMatcher per row (it analyses the row's name once).
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from budgets import eras
from budgets.importing.rows import ProjectRow
from budgets.models import (
    DepartmentSuccession,
    Project,
    ProjectLink,
    Succession,
)
from budgets.text import search_key

# --link-suggestions accepts a project link scoring at least this (0 to 1) ...
LINK_CONFIDENCE = 0.8
# ... and an organisation change whose share of matching sections and projects is
# at least this.
ORGANISATION_CONFIDENCE = 0.75
# Nothing below these is proposed.
PROPOSAL_FLOOR = 0.5
ORGANISATION_FLOOR = 0.5
CANDIDATES = 3  # at most this many per project
# A department's projects weigh less than its sections' (where projects move first).
DEPARTMENT_PLACE = 0.85
WEIGHTS = {"name": 0.6, "description": 0.25, "amount": 0.15}


@dataclass
class Candidate:
    """An earlier project a new row may continue, with why."""

    project_id: int
    lineage_id: int | None
    year: int
    no: int
    name: str
    department: str
    section: str
    budgeted: int
    key: str = ""  # the name's search key
    score: float = 0.0
    # how alike (name, description, amount, where it was found, the row's budget):
    # the evidence is written from them when shown
    measures: tuple = ()

    @property
    def evidence(self) -> list[str]:
        """Why this candidate, one line each."""
        from budgets.importing.matching import evidence  # matching imports this

        return evidence(self) if self.measures else []

    @property
    def label(self) -> str:
        return (
            f"{eras.era_label(self.year)} No {self.no} {self.name}"
            f"（{self.department} {self.section}）"
        )


@dataclass
class LinkProposal:
    row: ProjectRow
    candidates: list[Candidate]  # the best first
    kind: str = ProjectLink.Kind.CONTINUES
    merged_with: Candidate | None = None  # a merge's second predecessor

    @property
    def key(self) -> str:
        return f"{self.row.year}-{self.row.no}"

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def confident(self) -> bool:
        return self.best.score >= LINK_CONFIDENCE

    @property
    def proposed(self) -> list[Candidate]:
        """What the proposal links the row to: one project, or a merge's two."""
        return [self.best, self.merged_with] if self.merged_with else [self.best]


KIND_WORDS = {
    Succession.Kind.RENAMED: "名称変更",
    Succession.Kind.MERGED: "統合",
    Succession.Kind.SPLIT: "分割",
    Succession.Kind.MOVED: "移管",
}


@dataclass
class OrganisationProposal:
    """A department or section that seems to succeed an earlier one."""

    level: str  # "department" or "section"
    kind: str  # a Succession.Kind
    predecessor: tuple[str, ...]  # (department,) or (department, section)
    successor: tuple[str, ...]
    year: int
    score: float
    evidence: list[str] = field(default_factory=list)
    # sections moving with their department: (earlier department, section)
    sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.level}:{'/'.join(self.predecessor)}>{'/'.join(self.successor)}"

    @property
    def confident(self) -> bool:
        return self.score >= ORGANISATION_CONFIDENCE

    @property
    def message(self) -> str:
        return _("%(old)s → %(new)s（%(kind)s）と思われます") % {
            "old": " ".join(self.predecessor),
            "new": " ".join(self.successor),
            "kind": _(KIND_WORDS[self.kind]),
        }


# --- comparing -------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A name's search key: names repeat (rows, candidates, votes), so kept."""
    return search_key(name)


def pairs(text: str) -> frozenset[str]:
    """The text's character pairs (bigrams), the whole text when shorter."""
    return key_pairs(search_key(text))


def key_pairs(key: str) -> frozenset[str]:
    """The character pairs of a search key."""
    return frozenset(key[i : i + 2] for i in range(len(key) - 1)) or frozenset([key])


class _Features(dict):
    """id -> (name key, name pairs, description pairs), made when first asked."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: dict[int, tuple[str, str]] = {}  # id -> (name key, description)

    def __missing__(self, pk: int) -> tuple[str, frozenset, frozenset]:
        key, description = self.raw[pk]
        self[pk] = features = (key, key_pairs(key), pairs(description))
        return features


def dice(left: frozenset, right: frozenset) -> float:
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def same_order(left: int, right: int) -> float:
    """1 for equal amounts, 0 for ten times apart or more."""
    return max(0.0, 1 - abs(math.log10((left + 1) / (right + 1))))


CONTAINED = 0.9  # the name of a row holding an earlier name whole (a split's part)


def name_similarity(new_key: str, earlier_key: str, ratio: float) -> float:
    """difflib's ``ratio`` of the two names' search keys, or CONTAINED when the new
    name holds the earlier one (of three characters or more) whole."""
    if len(earlier_key) >= 3 and earlier_key != new_key and earlier_key in new_key:
        return max(ratio, CONTAINED)
    return ratio


@dataclass
class _Earlier:
    """Earlier years' projects, the latest of each lineage, indexed to compare."""

    by_section: dict[tuple[str, str], list[Candidate]]
    by_department: dict[str, list[Candidate]]
    names: dict[str, set[str]]  # name key -> departments that had it
    section_departments: dict[str, set[str]]  # section name -> departments
    sections: dict[str, set[str]]  # department -> its section names
    features: _Features

    @classmethod
    def before(cls, year: int) -> _Earlier:
        earlier = cls(
            by_section=defaultdict(list),
            by_department=defaultdict(list),
            names=defaultdict(set),
            section_departments=defaultdict(set),
            sections=defaultdict(set),
            features=_Features(),
        )
        seen_lineages: set[int] = set()
        rows = (
            Project.objects.filter(fiscal_year__year__lt=year)
            .order_by("-fiscal_year__year", "no")
            .values_list(
                "id",
                "lineage_id",
                "fiscal_year__year",
                "no",
                "name",
                "description",
                "budgeted",
                "section__department__name",
                "section__name",
            )
        )
        for pk, lineage, year_, no, name, description, budgeted, dept, sect in rows:
            earlier.section_departments[sect].add(dept)
            earlier.sections[dept].add(sect)
            earlier.names[name_key(name)].add(dept)
            if lineage is not None and lineage in seen_lineages:
                continue  # an older row of a lineage already a candidate
            seen_lineages.add(lineage)
            key = name_key(name)
            candidate = Candidate(
                pk, lineage, year_, no, name, dept, sect, budgeted, key=key
            )
            earlier.by_section[(dept, sect)].append(candidate)
            earlier.by_department[dept].append(candidate)
            earlier.features.raw[pk] = (key, description)
        return earlier


# --- organisations ---------------------------------------------------------------


def organisation_proposals(
    year: int,
    rows: list[ProjectRow],
    earlier: _Earlier,
    new_departments: Iterable[str],
    new_sections: Iterable[tuple[str, str]],
) -> list[OrganisationProposal]:
    """The departments and sections of ``year`` that seem to succeed earlier ones."""
    by_department: dict[str, list[ProjectRow]] = defaultdict(list)
    for row in rows:
        by_department[row.department].append(row)
    present_sections = {(row.department, row.section) for row in rows}
    recorded = _recorded_successors(year)
    predecessors: dict[str, list[tuple[str, float, list[str]]]] = {}
    for department in new_departments:
        if department in recorded or department not in by_department:
            continue
        found = _likely_predecessors(department, by_department[department], earlier)
        if found:
            predecessors[department] = found
    proposals = _department_proposals(year, predecessors, by_department, earlier)
    moved_with = {
        (proposal.predecessor[0], section): proposal.successor[0]
        for proposal in proposals
        for _department, section in proposal.sections
    }
    proposals += _section_moves(
        year, new_sections, present_sections, by_department, earlier, moved_with
    )
    return proposals


def _recorded_successors(year: int) -> set[str]:
    return set(
        DepartmentSuccession.objects.filter(from_year__lte=year).values_list(
            "successor__name", flat=True
        )
    )


def _likely_predecessors(
    department: str, rows: list[ProjectRow], earlier: _Earlier
) -> list[tuple[str, float, list[str]]]:
    sections = sorted({row.section for row in rows})
    section_votes: Counter[str] = Counter()
    for section in sections:
        section_votes.update(earlier.section_departments.get(section, ()))
    project_votes: Counter[str] = Counter()
    for row in rows:
        project_votes.update(earlier.names.get(name_key(row.name), ()))
    found = []
    for other in {*section_votes, *project_votes} - {department}:
        share = (
            section_votes[other] / len(sections) + project_votes[other] / len(rows)
        ) / 2
        if share >= ORGANISATION_FLOOR:
            evidence = [
                _("課 %(n)s / %(all)s が同じ名前")
                % {"n": section_votes[other], "all": len(sections)},
                _("事業 %(n)s / %(all)s が同じ名前")
                % {"n": project_votes[other], "all": len(rows)},
            ]
            found.append((other, share, evidence))
    return sorted(found, key=lambda item: -item[1])


def _department_proposals(
    year: int, predecessors: dict, by_department: dict, earlier: _Earlier
) -> list[OrganisationProposal]:
    successors_of: dict[str, list[str]] = defaultdict(list)
    for department, found in predecessors.items():
        for other, _share, _evidence in found:
            successors_of[other].append(department)
    proposals = []
    for department, found in sorted(predecessors.items()):
        own_sections = {row.section for row in by_department[department]}
        for other, share, evidence in found:
            if len(found) > 1:
                kind = Succession.Kind.MERGED
            elif len(successors_of[other]) > 1 or other in by_department:
                kind = Succession.Kind.SPLIT
            else:
                kind = Succession.Kind.RENAMED
            proposals.append(
                OrganisationProposal(
                    "department",
                    kind,
                    (other,),
                    (department,),
                    year,
                    round(share, 2),
                    evidence,
                    sorted(
                        (other, section)
                        for section in earlier.sections[other] & own_sections
                    ),
                )
            )
    return proposals


def _section_moves(
    year: int,
    new_sections: Iterable[tuple[str, str]],
    present_sections: set[tuple[str, str]],
    by_department: dict[str, list[ProjectRow]],
    earlier: _Earlier,
    moved_with: dict[tuple[str, str], str],
) -> list[OrganisationProposal]:
    """A new section of a department whose earlier department had one so named."""
    proposals = []
    for department, section in new_sections:
        for other in sorted(earlier.section_departments.get(section, ())):
            if other == department or (other, section) in present_sections:
                continue
            if moved_with.get((other, section)) == department:
                continue  # moves with its department's proposal
            names = {c.key for c in earlier.by_section[(other, section)]}
            rows = [r for r in by_department[department] if r.section == section]
            matched = sum(name_key(row.name) in names for row in rows)
            score = 0.5 + 0.5 * matched / len(rows)
            proposals.append(
                OrganisationProposal(
                    "section",
                    Succession.Kind.MOVED,
                    (other, section),
                    (department, section),
                    year,
                    round(score, 2),
                    [
                        _("課名が一致"),
                        _("事業 %(n)s / %(all)s が同じ名前")
                        % {"n": matched, "all": len(rows)},
                    ],
                )
            )
    return proposals
