"""django-axes under a name the admin index shows in the staff's language."""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(BaseAxesConfig):
    verbose_name = _("ログインの制限")
