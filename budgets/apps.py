from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("予算")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from budgets import caching, opendata_build, uploads

        uploads.make_folders()
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
                    caching.data_changed,
                    sender=model,
                    dispatch_uid=f"budgets-cache-{signal is post_save}-{name}",
                )
        # ... and the files of /data/ are built anew, outside the request.
        caching.data_version_bumped.connect(
            opendata_build.build_after_change, dispatch_uid="budgets-open-data-build"
        )
