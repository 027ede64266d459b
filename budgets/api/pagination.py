"""The API's pages: ``page`` and ``page_size``, forgiving like the list page.

A page number past the end answers the last page (the list page does the same), so a
link saved before a correction still shows data. What is not a whole number in range
is refused with 400 and a reason, as the schema says.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from budgets.deferred_join import DeferredJoinPaginator

_DIGITS = re.compile(r"[0-9]+")


class ForgivingPageNumberPagination(PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator  # a page's keys, then its rows
    page_size = settings.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        number = self._read(request, self.page_query_param, maximum=None) or 1
        page_size = (
            self._read(request, self.page_size_query_param, maximum=self.max_page_size)
            or self.page_size
        )
        paginator = self.django_paginator_class(queryset, page_size)
        self.page = paginator.get_page(number)
        self.request = request
        return list(self.page)

    @staticmethod
    def _read(request, name: str, *, maximum: int | None) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError({name: [_("一つだけ指定してください。")]})
        digits = values[0].lstrip("0")
        if not _DIGITS.fullmatch(values[0]) or not digits:
            raise ValidationError({name: [_("1 以上の整数を指定してください。")]})
        # int() refuses text of thousands of digits: past 18, any such page is "the end"
        number = int(digits) if len(digits) <= 18 else 10**18
        if maximum is not None and number > maximum:
            raise ValidationError(
                {
                    name: [
                        _("%(maximum)s 以下の整数を指定してください。")
                        % {"maximum": maximum}
                    ]
                }
            )
        return number

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1; past the end: the last page.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page (default {self.page_size}, "
                    f"at most {self.max_page_size})."
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                },
            },
        ]
