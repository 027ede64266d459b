"""The likeliest earlier projects for each new project no exact match links.

Where to look, in order: the row's own section and the sections it succeeds
(recorded, or proposed by this import, a renamed department's sections included);
then its department and the departments it succeeds. How alike: the name (weighs
most), the description, the amount's order.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from budgets.importing.proposals import (
    CANDIDATES,
    CONTAINED,
    DEPARTMENT_PLACE,
    PROPOSAL_FLOOR,
    WEIGHTS,
    Candidate,
    LinkProposal,
    OrganisationProposal,
    _Earlier,
    dice,
    key_pairs,
    name_key,
    name_similarity,
    pairs,
    same_order,
)
from budgets.importing.rows import ProjectRow
from budgets.models import DepartmentSuccession, ProjectLink, SectionSuccession

Section = tuple[str, str]  # (department, section) by name


class _Places:
    """The earlier sections and departments a row's section and department succeed."""

    def __init__(self, year: int, organisations: Iterable[OrganisationProposal]):
        self.sections: dict[Section, list[Section]] = defaultdict(list)
        self.departments: dict[str, list[str]] = defaultdict(list)
        for pd, ps, sd, ss in SectionSuccession.objects.filter(
            from_year__lte=year
        ).values_list(
            "predecessor__department__name",
            "predecessor__name",
            "successor__department__name",
            "successor__name",
        ):
            self.sections[(sd, ss)].append((pd, ps))
        for pred, succ in DepartmentSuccession.objects.filter(
            from_year__lte=year
        ).values_list("predecessor__name", "successor__name"):
            self.departments[succ].append(pred)
        for proposal in organisations:
            if proposal.level == "section":
                self.sections[proposal.successor].append(proposal.predecessor)
                continue
            new = proposal.successor[0]
            self.departments[new].append(proposal.predecessor[0])
            for old_department, section in proposal.sections:
                self.sections[(new, section)].append((old_department, section))

    def section_pool(self, row: ProjectRow) -> list[Section]:
        own = (row.department, row.section)
        found = [own, *self.sections.get(own, ())]
        for department in self.departments.get(row.department, ()):
            found.append((department, row.section))
        return list(dict.fromkeys(found))

    def department_pool(self, row: ProjectRow) -> list[str]:
        return [row.department, *self.departments.get(row.department, ())]


def link_proposals(
    rows: list[ProjectRow],
    earlier: _Earlier,
    organisations: Iterable[OrganisationProposal],
    taken: Counter[int],
) -> list[LinkProposal]:
    """A proposal for each of ``rows`` (new, unlinked) that has a likely earlier
    project. ``taken``: earlier project ids already continued this year."""
    if not rows:
        return []
    places = _Places(rows[0].year, organisations)
    pools = _Pools(earlier)
    proposals = []
    for row in rows:
        candidates = _candidates(row, earlier, places, pools)
        if candidates:
            proposals.append(LinkProposal(row, candidates))
    _decide_kinds(proposals, taken)
    return proposals


class _Pools:
    """The candidates of a set of sections, and of each name there: made once for
    all the rows of the same sections."""

    def __init__(self, earlier: _Earlier) -> None:
        self.earlier = earlier
        self.made: dict[tuple, tuple[list[Candidate], dict[str, list]]] = {}

    def of(self, sections: list[Section]) -> tuple[list[Candidate], dict[str, list]]:
        key = tuple(sections)
        if key not in self.made:
            by_section = self.earlier.by_section
            pool = [c for section in sections for c in by_section.get(section, ())]
            by_name: dict[str, list] = defaultdict(list)
            for candidate in pool:
                by_name[candidate.key].append(candidate)
            self.made[key] = (pool, by_name)
        return self.made[key]


def _candidates(
    row: ProjectRow, earlier: _Earlier, places: _Places, pools: _Pools
) -> list[Candidate]:
    key = name_key(row.name)
    features = (key, key_pairs(key), pairs(row.description))
    pool, by_name = pools.of(places.section_pool(row))
    known = earlier.features
    same_name = [(1.0, c, 1.0) for c in by_name.get(key, ())]
    # the same name in the same or a predecessor section: no need to look further
    scored = same_name or _score(row, features, pool, 1.0, known)
    if not scored or scored[0][0] < PROPOSAL_FLOOR:
        seen = {c.project_id for c in pool}
        wider = [
            c
            for department in places.department_pool(row)
            for c in earlier.by_department.get(department, ())
            if c.project_id not in seen
        ]
        scored = sorted(
            [*scored, *_score(row, features, wider, DEPARTMENT_PLACE, known)],
            key=lambda item: -item[0],
        )
    # one matcher per row: difflib analyses the row's name once for every candidate
    matcher = SequenceMatcher(None, b=features[0], autojunk=False)
    exact = [
        _with_evidence(
            row, features, candidate, place, known[candidate.project_id], matcher
        )
        for _quick, candidate, place in scored[:CANDIDATES]
    ]
    return sorted(
        (candidate for candidate in exact if candidate.score >= PROPOSAL_FLOOR),
        key=lambda candidate: -candidate.score,
    )


def _score(
    row: ProjectRow, features: tuple, pool: list[Candidate], place: float, known: dict
) -> list[tuple[float, Candidate, float]]:
    """(quick score, candidate, place) of the CANDIDATES best above the floor, the
    best first: names and descriptions compared as sets of character pairs, the
    description only when the name leaves the candidate a chance."""
    key, name_pairs, description_pairs = features
    rest = WEIGHTS["description"] + WEIGHTS["amount"]
    best: list[tuple[float, int, Candidate]] = []  # a min-heap of the best so far
    for index, candidate in enumerate(pool):
        other_key, other_name, other_description = known[candidate.project_id]
        if other_key == key:
            name = 1.0
        elif len(other_key) >= 3 and other_key in key:
            name = CONTAINED
        else:
            name = dice(name_pairs, other_name)
        floor = best[0][0] if len(best) == CANDIDATES else PROPOSAL_FLOOR
        if place * (WEIGHTS["name"] * name + rest) < floor:
            continue  # not even a same description and amount would lift it
        quick = place * (
            WEIGHTS["name"] * name
            + WEIGHTS["description"] * dice(description_pairs, other_description)
            + WEIGHTS["amount"] * same_order(row.budgeted, candidate.budgeted)
        )
        if quick < floor:
            continue
        if len(best) < CANDIDATES:
            heapq.heappush(best, (quick, index, candidate))
        else:
            heapq.heapreplace(best, (quick, index, candidate))
    return [(quick, candidate, place) for quick, _i, candidate in sorted(best)[::-1]]


def _with_evidence(
    row: ProjectRow,
    features: tuple,
    candidate: Candidate,
    place: float,
    known: tuple,
    matcher: SequenceMatcher,
) -> Candidate:
    """A copy of ``candidate`` with its score (difflib's ratio for the name) and
    what its evidence is written from."""
    key, _name, row_description = features
    other_key, _other_name, other_description = known
    if other_key == key:
        name = 1.0
    else:
        matcher.set_seq1(other_key)
        name = name_similarity(key, other_key, matcher.ratio())
    description = dice(row_description, other_description) if row.description else 0
    amount = same_order(row.budgeted, candidate.budgeted)
    score = place * (
        WEIGHTS["name"] * name
        + WEIGHTS["description"] * description
        + WEIGHTS["amount"] * amount
    )
    where = _where(row, candidate, place)
    return Candidate(
        **{
            **candidate.__dict__,
            "score": round(score, 2),
            "measures": (name, description, amount, where, row.budgeted),
        }
    )


def evidence(candidate: Candidate) -> list[str]:
    """The candidate's evidence, one line each: where and how alike."""
    name, description, amount, (where, *names), budgeted = candidate.measures
    place = WHERE[where] % dict(zip(("name", "section"), names, strict=False))
    if name == 1.0:
        lines = [f"{place}・{_('名称一致')}"]
    elif name == CONTAINED:
        contains = _("名称を含む（%(name)s）") % {"name": candidate.name}
        lines = [f"{place}・{contains}"]
    else:
        lines = [f"{place}・{_('名称が類似')} {name:.2f}"]
    if description:
        lines.append(f"{_('事業内容が類似')} {description:.2f}")
    amounts = f"{candidate.budgeted:,} → {budgeted:,} {_('千円')}"
    lines.append(
        _("予算額が同程度（%(amounts)s）") % {"amounts": amounts}
        if amount >= 0.7
        else _("予算額の規模が違う（%(amounts)s）") % {"amounts": amounts}
    )
    return lines


WHERE = {
    "section": _lazy("同じ課"),
    "predecessor_section": _lazy("前身の課（%(name)s %(section)s）"),
    "department": _lazy("同じ部"),
    "predecessor_department": _lazy("前身の部（%(name)s）"),
}


def _where(row: ProjectRow, candidate: Candidate, place: float) -> tuple:
    if place < 1.0:
        if candidate.department == row.department:
            return ("department",)
        return ("predecessor_department", candidate.department)
    if (candidate.department, candidate.section) == (row.department, row.section):
        return ("section",)
    return ("predecessor_section", candidate.department, candidate.section)


def _decide_kinds(proposals: list[LinkProposal], taken: Counter[int]) -> None:
    """A candidate two rows continue is a split; a row whose name holds two earlier
    names nobody else continues is their merge."""
    chosen = taken + Counter(p.best.project_id for p in proposals)
    for proposal in proposals:
        if chosen[proposal.best.project_id] > 1:
            proposal.kind = ProjectLink.Kind.SPLIT_FROM
            continue
        partner = _merge_partner(proposal, chosen)
        if partner is not None:
            proposal.kind = ProjectLink.Kind.MERGED_FROM
            proposal.merged_with = partner
            chosen[partner.project_id] += 1


def _merge_partner(proposal: LinkProposal, chosen: Counter[int]) -> Candidate | None:
    """A second earlier project whose name the row's holds whole, as the best's."""
    name = name_key(proposal.row.name)
    if proposal.best.key not in name:
        return None
    for other in proposal.candidates[1:]:
        if chosen[other.project_id] == 0 and other.key in name:
            return other
    return None
