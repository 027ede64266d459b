"""The import's proposals across years that change, and what staff decided on them.

``propose`` fills a plan's organisation changes and, per year, its project link
proposals; ``decide`` turns the accepted ones into the plan's successions and links
(``planning.LineageLink``), which ``linking`` writes. Nothing is accepted unless
``Decisions`` says so: staff's choices in the preview, or ``confident`` (the
command's ``--link-suggestions``: every proposal at or above its threshold).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from budgets import eras
from budgets.importing.matching import link_proposals
from budgets.importing.problems import ImportRefused, Problem
from budgets.importing.proposals import (
    Candidate,
    LinkProposal,
    _Earlier,
    organisation_proposals,
)
from budgets.models import ProjectLink


@dataclass
class Decisions:
    """What was decided on an import's proposals."""

    # a proposal's key -> the earlier project ids chosen ([] rejects it)
    links: dict[str, list[int]] = field(default_factory=dict)
    organisations: set[str] = field(default_factory=set)  # accepted keys
    confident: bool = False  # accept every proposal at or above its threshold


def propose(plan) -> None:
    """Fill ``plan`` (a planning.ImportPlan) with what it proposes; read only."""
    new_departments = set(plan.new_departments)
    new_sections = set(plan.new_sections)
    for year_plan in plan.years:
        linked = {id(link.row) for link in year_plan.links}
        unlinked = [
            row
            for row in year_plan.new
            if id(row) not in linked and row.lineage_key is None
        ]
        rows = year_plan.rows
        departments = [d for d in dict.fromkeys(r.department for r in rows)]
        sections = [s for s in dict.fromkeys((r.department, r.section) for r in rows)]
        if not unlinked and not new_departments.intersection(departments):
            continue
        earlier = _Earlier.before(year_plan.year)
        if not earlier.features.raw:
            continue
        organisations = organisation_proposals(
            year_plan.year,
            rows,
            earlier,
            [d for d in departments if d in new_departments],
            [s for s in sections if s in new_sections],
        )
        plan.organisations += organisations
        taken = Counter(link.earlier_id for link in year_plan.links)
        year_plan.proposals = link_proposals(unlinked, earlier, organisations, taken)


def decide(plan, decisions: Decisions) -> None:
    """Add the accepted proposals to ``plan``: successions and links."""
    plan.successions = [
        proposal
        for proposal in plan.organisations
        if proposal.key in decisions.organisations
        or (decisions.confident and proposal.confident)
    ]
    problems: list[Problem] = []
    for year_plan in plan.years:
        for proposal in year_plan.proposals:
            try:
                chosen = _chosen(proposal, decisions)
            except LookupError as error:
                problems.append(Problem(str(error), line=proposal.row.line))
                continue
            year_plan.links += _links(proposal, chosen)
        _mark_splits(year_plan.links)
    if problems:
        raise ImportRefused(problems)


def _chosen(proposal: LinkProposal, decisions: Decisions) -> list[Candidate]:
    if proposal.key not in decisions.links:
        return proposal.proposed if decisions.confident and proposal.confident else []
    by_id = {candidate.project_id: candidate for candidate in proposal.candidates}
    chosen = []
    for project_id in decisions.links[proposal.key]:
        if project_id not in by_id:  # never an earlier year's project not proposed
            raise LookupError(
                _(
                    "No %(no)s「%(name)s」につなぐ事業として、提案にない事業が"
                    "選ばれました。取り込みをやり直してください。"
                )
                % {"no": proposal.row.no, "name": proposal.row.name}
            )
        chosen.append(by_id[project_id])
    return chosen


def _links(proposal: LinkProposal, chosen: list[Candidate]) -> list:
    from budgets.importing.planning import LineageLink  # planning imports this

    if len(chosen) > 1:
        kind = ProjectLink.Kind.MERGED_FROM
    elif chosen and proposal.kind == ProjectLink.Kind.SPLIT_FROM:
        kind = ProjectLink.Kind.SPLIT_FROM
    else:
        kind = ProjectLink.Kind.CONTINUES
    # the oldest lineage first: the one the project joins (budgets.lineages)
    ordered = sorted(chosen, key=lambda candidate: candidate.lineage_id or 0)
    return [
        LineageLink(
            proposal.row,
            candidate.lineage_id,
            candidate.year,
            candidate.no,
            candidate.name,
            earlier_id=candidate.project_id,
            kind=kind,
            proposal=proposal,
        )
        for candidate in ordered
    ]


def _mark_splits(links: list) -> None:
    """An accepted proposal continuing a project another row continues: a split."""
    count = Counter(link.earlier_id for link in links)
    for link in links:
        if (
            link.proposal is not None
            and link.kind == ProjectLink.Kind.CONTINUES
            and count[link.earlier_id] > 1
        ):
            link.kind = ProjectLink.Kind.SPLIT_FROM


def accepted_lines(plan) -> list[str]:
    """One sentence per accepted proposal, for the import record."""
    lines = [proposal.message for proposal in plan.successions]
    for year_plan in plan.years:
        for link in year_plan.links:
            if link.proposal is None:
                continue
            lines.append(
                _(
                    "No %(no)s %(name)s ← %(year)s No %(earlier_no)s "
                    "%(earlier)s（%(kind)s）"
                )
                % {
                    "no": link.row.no,
                    "name": link.row.name,
                    "year": eras.era_label(link.earlier_year),
                    "earlier_no": link.earlier_no,
                    "earlier": link.earlier_name,
                    "kind": ProjectLink.Kind(link.kind).label,
                }
            )
    return lines
