"""The database as configured: PostgreSQL binds parameters on the server
(config/settings.py), where one statement holds at most 65,535 of them."""

from types import SimpleNamespace

import pytest
from django.db import connection

from budgets.importing import writing
from budgets.models import ProjectLineage, new_public_id

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own"),
]

MORE_THAN_A_STATEMENT_HOLDS = 70_000  # lineages: 2 parameters each, 140,000 in all


def test_a_restore_of_more_rows_than_a_statement_holds_finds_every_lineage():
    public_ids = [new_public_id() for _ in range(MORE_THAN_A_STATEMENT_HOLDS)]
    # Django splits the bulk write (config/postgresql knows the limit) ...
    ProjectLineage.objects.bulk_create(
        ProjectLineage(public_id=public_id) for public_id in public_ids
    )
    assert connection.features.max_query_params == 65_535
    # ... and the importer looks the lineages up a batch at a time
    rows = [SimpleNamespace(lineage_key=public_id) for public_id in public_ids]
    plan = SimpleNamespace(years=[SimpleNamespace(new=rows)])

    found = writing._stored_lineages(plan)

    assert found == dict(ProjectLineage.objects.values_list("public_id", "id"))
    assert len(found) == MORE_THAN_A_STATEMENT_HOLDS
