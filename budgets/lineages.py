"""A project's lineage, derived from its links to earlier years (``ProjectLink``).

A project with links joins the lineage of the earlier project its first link names,
the links ordered by kind (継続 before 分割 before 統合) and then by the oldest
lineage: a split's parts both stay in the lineage they split from, a merge goes on
in its oldest predecessor's lineage while the other predecessors keep theirs (the
links still show them in the history). A project without links keeps its lineage;
one whose last link is removed leaves the earlier project's lineage for a new one.
The lineages keep their public ids; only projects move between them.
"""

from __future__ import annotations

from collections.abc import Iterable

from budgets.models import Project, ProjectLineage, ProjectLink

KIND_ORDER = {
    ProjectLink.Kind.CONTINUES: 0,
    ProjectLink.Kind.SPLIT_FROM: 1,
    ProjectLink.Kind.MERGED_FROM: 2,
}


def first_parent(parents: Iterable[tuple[str, int]]) -> int | None:
    """The lineage a project with these (kind, earlier lineage id) links joins."""
    ranked = sorted(
        (KIND_ORDER.get(kind, len(KIND_ORDER)), lineage_id)
        for kind, lineage_id in parents
        if lineage_id is not None
    )
    return ranked[0][1] if ranked else None


def rederive(project_ids: Iterable[int]) -> None:
    """Give each project, then every project after it, the lineage its links say."""
    queue = list(project_ids)
    seen: set[int] = set()
    while queue:
        project_id = queue.pop(0)
        if project_id in seen:
            continue
        seen.add(project_id)
        project = (
            Project.objects.select_related("fiscal_year").filter(pk=project_id).first()
        )
        if project is None:
            continue
        lineage_id = _derived(project)
        if lineage_id != project.lineage_id:
            project.lineage_id = lineage_id
            project.save(update_fields=["lineage", "updated_at"])
        queue.extend(
            ProjectLink.objects.filter(earlier=project_id).values_list(
                "later", flat=True
            )
        )


def _derived(project: Project) -> int:
    lineage_id = first_parent(
        project.earlier_links.values_list("kind", "earlier__lineage")
    )
    if lineage_id is not None:
        return lineage_id
    # no link (any more): its own lineage, unless that is an earlier project's
    shared = Project.objects.filter(
        lineage=project.lineage_id,
        fiscal_year__year__lt=project.fiscal_year.year,
    )
    if project.lineage_id is not None and not shared.exists():
        return project.lineage_id
    return ProjectLineage.objects.create().pk
