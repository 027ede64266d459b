"""What every budget record shares: the years allowed, the amounts' rules, a
version on each record staff edit, and the version of the public data."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from budgets import eras
from budgets.amounts import AMOUNT_MAX

# The years a fiscal year may be: those 和暦 labels cover (one home: budgets/eras.py).
FIRST_YEAR, LAST_YEAR = eras.MIN_YEAR, eras.MAX_YEAR

AMOUNT_FIELDS = ("requested", "requested_levelup", "budgeted", "budgeted_levelup")
AMOUNT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(AMOUNT_MAX)]
# The longest description (the seed's longest is 150 characters): a 10 MB one was
# accepted and then served a 10 MB page.
DESCRIPTION_MAX = 10_000


class Versioned(models.Model):
    """A record staff edit: its version goes up on every save, so that a form opened
    before someone else's save can tell (``budgets.admin_guard``)."""

    version = models.PositiveIntegerField(
        _("版"),
        default=1,
        editable=False,
        help_text=_("保存のたびに増えます。同時編集で上書きしないために使います。"),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


class DataVersion(models.Model):
    """The version of the public data, one row every process reads.

    Every cached public page and every ETag is built from it (``budgets.caching``); a
    change to the data raises it once its transaction commits.
    """

    version = models.BigIntegerField(
        _("データの版"),
        help_text=_("最後に公開データが変わった時刻（ナノ秒）。"),
    )

    class Meta:
        verbose_name = _("公開データの版")
        verbose_name_plural = pgettext_lazy("plural", "公開データの版")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="data_version_single_row",
                violation_error_message=_("公開データの版は 1 行だけです。"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.version)
