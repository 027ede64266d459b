"""The import preview's proposals as fields of its confirm form.

On the preview, a checkbox per proposed organisation change and a choice per
proposed project link (the candidates, a merge of two, or 「つながない」), set to
what the import would accept on its own (the proposals above the command's
thresholds). The confirm POST carries them back; ``decisions`` reads them into the
importer's ``Decisions``, which checks every choice against the proposals it makes
again from the same file: a project not proposed is never linked.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from budgets.importing.proposing import Decisions

ORGANISATIONS = "organisations"
LINK_PREFIX = "link_"
CHOICE = re.compile(r"^(\d+(\+\d+)?)?$")


def add_fields(form: forms.Form, report=None) -> None:
    """Give the confirm form its proposal fields: from ``report`` on the preview,
    from the posted names on the confirm."""
    form.organisation_rows, form.link_rows = [], []
    plan = getattr(report, "plan", None)
    if plan is not None:
        _preview_fields(form, plan)
    elif form.is_bound:
        form.fields[ORGANISATIONS] = forms.MultipleChoiceField(
            choices=[(key, key) for key in form.data.getlist(ORGANISATIONS)],
            required=False,
        )
        for name in form.data:
            if name.startswith(LINK_PREFIX):
                form.fields[name] = forms.RegexField(CHOICE, required=False)


def _preview_fields(form: forms.Form, plan) -> None:
    if plan.organisations:
        form.fields[ORGANISATIONS] = forms.MultipleChoiceField(
            label=_("組織改正として記録する"),
            choices=[(p.key, p.message) for p in plan.organisations],
            initial=[p.key for p in plan.organisations if p.confident],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        form.organisation_rows = list(
            zip(plan.organisations, form[ORGANISATIONS], strict=True)
        )
    for year_plan in plan.years:
        for proposal in year_plan.proposals:
            name = LINK_PREFIX + proposal.key
            form.fields[name] = forms.ChoiceField(
                label=f"No {proposal.row.no} {proposal.row.name}",
                choices=_choices(proposal),
                initial=_value(proposal.proposed) if proposal.confident else "",
                required=False,
            )
            form.link_rows.append((proposal, form[name]))


def _value(candidates) -> str:
    return "+".join(str(candidate.project_id) for candidate in candidates)


def _choices(proposal) -> list[tuple[str, str]]:
    choices = [("", _("つながない（新しい事業として作る）"))]
    if proposal.merged_with is not None:
        choices.append(
            (
                _value(proposal.proposed),
                _("統合: %(first)s と %(second)s")
                % {"first": proposal.best.label, "second": proposal.merged_with.label},
            )
        )
    for candidate in proposal.candidates:
        choices.append(
            (str(candidate.project_id), f"{candidate.label} [{candidate.score:.2f}]")
        )
    return choices


def decisions(cleaned_data: dict) -> Decisions:
    """What staff chose, for ``import_table(decisions=…)``."""
    return Decisions(
        organisations=set(cleaned_data.get(ORGANISATIONS) or ()),
        links={
            name.removeprefix(LINK_PREFIX): [int(i) for i in value.split("+") if i]
            for name, value in cleaned_data.items()
            if name.startswith(LINK_PREFIX)
        },
    )
