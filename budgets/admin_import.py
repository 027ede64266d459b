"""The admin's import in two steps (preview, confirm) on our own upload store.

django-import-export's ``ImportMixin`` keeps the upload between its two steps in a
temporary file whose name the confirm POST carries (``import_file_name``): a user with
the import permission could read and delete any file of the server's temp folder, and
choose the file name the import record shows. ``UploadImportMixin`` replaces those two
steps: the preview stores the file with ``budgets.uploads`` and the confirm form carries
only the upload's key, which finds an upload only for the user who made it; the file
name recorded is the one the file was uploaded under. Everything else (forms, URLs,
templates, permission, log entries, messages) stays the library's.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.forms import ImportForm
from import_export.signals import post_import

from budgets import upload_parses, uploads

MEGABYTE = 1024 * 1024
logger = logging.getLogger(__name__)


def megabytes(size: int) -> str:
    return f"{size / MEGABYTE:,.1f}".removesuffix(".0")


class UploadImportForm(ImportForm):
    """The library's import form, refusing a file above ADMIN_UPLOAD_MAX_BYTES."""

    def clean_import_file(self):
        uploaded = self.cleaned_data["import_file"]
        limit = settings.ADMIN_UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise ValidationError(
                _(
                    "ファイルが大きすぎます（%(size)s バイト）。"
                    "管理画面で取り込めるのは %(limit)s MB（%(limit_bytes)s バイト）"
                    "までです。それより大きい表はコマンド import_budget_table で"
                    "取り込んでください。"
                ),
                code="too_large",
                params={
                    "size": f"{uploaded.size:,}",
                    "limit": megabytes(limit),
                    "limit_bytes": f"{limit:,}",
                },
            )
        return uploaded


class UploadConfirmForm(forms.Form):
    """What the confirm step posts: the upload's key, never a file name."""

    upload = forms.CharField(widget=forms.HiddenInput(), max_length=64)
    format = forms.CharField(widget=forms.HiddenInput(), max_length=10)
    resource = forms.CharField(widget=forms.HiddenInput(), required=False)
    # shown (and required) when the preview warned of totals off by rounding
    accept_rounded_totals = forms.BooleanField(
        label=_("端数処理による合計の差を確かめました"), required=False
    )
    asks_rounded_totals = False


class UploadImportMixin(ImportMixin):
    """ImportMixin whose preview and confirm keep the file in ``budgets.uploads``."""

    import_form_class = UploadImportForm
    confirm_form_class = UploadConfirmForm

    # --- step 1: upload and preview ---------------------------------------------------

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = self.get_import_context_data()
        import_form = self.create_import_form(request)
        if request.POST and import_form.is_valid():
            resource = self._import_resource(request, import_form, **kwargs)
            resources = [resource]
            context.update(self._preview(request, import_form, resource, **kwargs))
        else:
            res_kwargs = self.get_import_resource_kwargs(
                request=request, form=import_form, **kwargs
            )
            resources = [
                resource_class(**res_kwargs)
                for resource_class in self.get_import_resource_classes(request)
            ]
        return self._import_page(request, context, import_form, resources)

    def _import_resource(self, request, import_form, **kwargs):
        res_kwargs = self.get_import_resource_kwargs(
            request, form=import_form, **kwargs
        )
        return self.choose_import_resource_class(import_form, request)(**res_kwargs)

    def _preview(self, request, import_form, resource, **kwargs) -> dict:
        """Store the file and import it as a dry run; keep it only if confirmable."""
        uploaded = import_form.cleaned_data["import_file"]
        upload = uploads.save(uploaded, user=request.user)
        read: dict = {}
        try:
            dataset = self._input_format(
                import_form.cleaned_data["format"]
            ).create_dataset(uploads.read(upload))
            # read once: what the preview read is kept for the confirm step
            dataset.budget_on_read = lambda source: read.update(
                source=upload_parses.snapshot(source)
            )
            dataset.budget_accept_rounded = True  # a warning; the confirm form asks
            result = resource.import_data(
                dataset,
                dry_run=True,
                raise_errors=False,
                file_name=upload.original_name,
                user=request.user,
                **self.get_import_data_kwargs(
                    request=request, form=import_form, **kwargs
                ),
            )
        except BaseException:
            uploads.remove(upload)
            raise
        if result.has_errors() or result.has_validation_errors():
            uploads.remove(upload)  # refused: nothing to confirm, nothing kept
            return {"result": result}
        report = result.budget_report
        upload_parses.keep(
            upload,
            read.get("source"),
            rounded_totals=report.rounded_totals,
            plan=report.plan.fingerprint(),
        )
        import_form.budget_upload = upload
        import_form.import_result = result  # for a confirm form built from it
        return {
            "result": result,
            "confirm_form": self.create_confirm_form(request, import_form=import_form),
        }

    def _import_page(self, request, context, import_form, resources):
        context.update(self.admin_site.each_context(request))
        context["title"] = _("Import")
        context["form"] = import_form
        context["opts"] = self.model._meta
        context["media"] = self.media + import_form.media
        context["fields_list"] = [
            (
                resource.get_display_name(),
                [f.column_name for f in resource.get_user_visible_fields()],
            )
            for resource in resources
        ]
        context["import_error_display"] = self.import_error_display
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        report = getattr(
            getattr(import_form, "import_result", None), "budget_report", None
        )
        if report is not None and report.rounded_totals:
            form.fields["accept_rounded_totals"].required = True
            form.asks_rounded_totals = True
        return form

    def get_confirm_form_initial(self, request, import_form):
        if import_form is None:
            return {}
        return {
            "upload": import_form.budget_upload.key,
            "format": import_form.cleaned_data["format"],
            "resource": import_form.cleaned_data.get("resource", ""),
        }

    # --- step 2: confirm --------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        upload = None
        if confirm_form.is_valid() and self._known_format(confirm_form):
            upload = uploads.find(confirm_form.cleaned_data["upload"], request.user)
        if upload is None:
            return self._confirm_refused(request)
        try:
            data = uploads.read(upload)
        except uploads.UploadGone:
            uploads.remove(upload)
            return self._confirm_refused(request)
        kept = upload_parses.load(upload)
        if kept is None:  # what the preview showed is not known: not confirmed
            uploads.remove(upload)
            return self._confirm_refused(request)
        accept = confirm_form.cleaned_data["accept_rounded_totals"]
        if kept.rounded_totals and not accept:
            return self._rounded_totals_unchecked(request)
        result = self._confirm(request, confirm_form, upload, data, kept, **kwargs)
        return self.process_result(result, request)

    def _confirm(self, request, confirm_form, upload, data, kept, **kwargs):
        try:
            dataset = self._input_format(
                confirm_form.cleaned_data["format"]
            ).create_dataset(data)
            dataset.budget_read = kept.source
            # refused if the plan made now is not the one the preview showed
            dataset.budget_planned = kept.plan
            dataset.budget_accept_rounded = confirm_form.cleaned_data[
                "accept_rounded_totals"
            ]
            result = self.process_dataset(
                dataset,
                confirm_form,
                request,
                file_name=upload.original_name,  # the record's, never the POST's
                **kwargs,
            )
        except BaseException:
            uploads.remove(upload)
            raise
        if result.has_errors() or result.has_validation_errors():
            uploads.remove(upload)
        else:
            self._after_commit(request, uploads.consume, upload)
        return result

    def process_result(self, result, request):
        """After the confirm: the refusal, or the import's log entries and message.

        An import that committed is saved whatever follows: a failure after it is
        logged and shown as a warning, never a 500 that reads as "nothing saved".
        """
        report = result.budget_report
        for problem in report.problems[:20]:  # refused at the confirm: say why
            messages.error(request, str(problem))
        for problem in report.after_commit_problems:
            messages.warning(request, str(problem))
        if not report.problems:
            self._after_commit(request, self.generate_log_entries, result, request)
            self._after_commit(request, self.add_success_message, result, request)
        self._after_commit(request, post_import.send, sender=None, model=self.model)
        url = reverse(
            "admin:{}_{}_changelist".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(url)

    def _after_commit(self, request, step, *args, **kwargs) -> None:
        """Run a step that follows a committed import; log and warn if it fails."""
        try:
            step(*args, **kwargs)
        except Exception:
            logger.exception("After a committed import, %s failed", step.__qualname__)
            messages.warning(
                request,
                gettext(
                    "取り込みは保存しました。ただし、その後の処理でエラーが起きました。"
                    "管理者に連絡してください（エラーの詳細はサーバーのログにあります）。"
                ),
            )

    def _rounded_totals_unchecked(self, request):
        """The preview warned of totals off by rounding and the box is not ticked:
        import nothing, keep the upload (going back and ticking it confirms)."""
        messages.error(
            request,
            gettext(
                "合計行と各事業の合計の差を確かめて、「端数処理による合計の差を"
                "確かめました」にチェックを入れてから確定してください。"
                "何も書き込んでいません。"
            ),
        )
        return HttpResponseRedirect(self._import_url())

    def _import_url(self) -> str:
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )

    def _confirm_refused(self, request):
        """A key that finds nothing for this user: say so, read and delete nothing."""
        messages.error(
            request,
            gettext(
                "この取り込みは確定できません。確認の期限（%(minutes)s 分）が切れたか、"
                "すでに確定したか、あなたがアップロードしたファイルではありません。"
                "もう一度ファイルを選んでください。"
            )
            % {"minutes": settings.UPLOAD_EXPIRY_SECONDS // 60},
        )
        return HttpResponseRedirect(self._import_url())

    # --- formats ----------------------------------------------------------------------

    def _known_format(self, form) -> bool:
        index = form.cleaned_data["format"]
        return index.isdecimal() and int(index) < len(self.get_import_formats())

    def _input_format(self, index: str):
        input_format = self.get_import_formats()[int(index)]()
        if not input_format.is_binary():
            input_format.encoding = self.from_encoding
        return input_format
