from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("予算")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        # The public data: a change to any of these makes the cached pages stale.
        for name in (
            "FiscalYear",
            "Theme",
            "Department",
            "Section",
            "Project",
            "ProjectLineage",
        ):
            model = self.get_model(name)
            for signal in (post_save, post_delete):
                signal.connect(
                    _data_changed,
                    sender=model,
                    dispatch_uid=f"budgets-cache-{signal is post_save}-{name}",
                )


def _data_changed(sender, using=None, **kwargs) -> None:
    """A budget row changed: the cached pages are stale, unless an import wrote it.

    An import marks the data changed itself, once, when it has written everything;
    a bump for every project it prunes would cost a cache write each.
    """
    from budgets import caching
    from budgets.importing import importing_now

    if not importing_now():
        caching.data_changed(using=using)
