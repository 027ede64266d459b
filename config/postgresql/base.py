"""Django's PostgreSQL backend, knowing the protocol's limit of 65,535 parameters.

With server-side binding (``OPTIONS["server_side_binding"]``, config/settings.py)
every parameter travels apart from the SQL, and PostgreSQL's protocol takes at most
65,535 of them in one statement; Django 5.2 does not know it (its
``max_query_params`` is None for PostgreSQL, ticket #36822), so a bulk write or a
cascade delete of more rows than that fails ("number of parameters must be between
0 and 65535"). This backend tells Django the limit when the binding is on, and
Django then splits those writes and deletes into batches, as it does on SQLite.
Lists the project's own code filters by are batched where they are built
(budgets.importing.bulk.batches). What Django 5.2 still sends in one statement: the
SET NULL of a delete's children, whose batches it joins into one UPDATE (deleting
more than 65,535 lineages or import records at once; README, Production).
"""

from functools import cached_property

from django.db.backends.postgresql import base, features, operations

PROTOCOL_MAX_PARAMETERS = 65_535


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int | None:
        options = self.connection.settings_dict.get("OPTIONS", {})
        return PROTOCOL_MAX_PARAMETERS if options.get("server_side_binding") else None


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs) -> int:
        """As many objects as fit in one statement's parameters (all, unbound)."""
        limit = self.connection.features.max_query_params
        if limit is None:
            return super().bulk_batch_size(fields, objs)
        return max(limit // max(len(fields), 1), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
