"""Which format an answer of the API takes, and what an unknown ``format`` is told.

Django REST framework answers ``?format=xml`` with 404 「見つかりませんでした」, as if
the resource did not exist (helper-14). An unknown format is answered 406, naming
the formats there are.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class FormatsNamed(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        found = [renderer for renderer in renderers if renderer.format == format]
        if not found:
            raise NotAcceptable(
                _("format=%(asked)s は扱えません。使えるのは %(formats)s です。")
                % {
                    "asked": format,
                    "formats": ", ".join(renderer.format for renderer in renderers),
                }
            )
        return found
