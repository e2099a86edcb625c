"""Excel roster pages: template download, all-or-nothing import, export. The work is in ``roster``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from branches import roster
from branches.permissions import Action
from branches.selectors import get_branch_for_user
from wujin_branch.errors import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def roster_template(request, pk):
    branch = get_branch_for_user(request.user, pk, Action.EDIT)
    return _xlsx_response(roster.roster_template_workbook(branch), f"{branch.name}-党员花名册模板.xlsx")


@login_required
@require_GET
def roster_export(request, pk):
    branch = get_branch_for_user(request.user, pk, Action.VIEW)
    content = roster.roster_export_workbook(branch, request.user)
    return _xlsx_response(content, f"{branch.name}-党员花名册-{timezone.localdate():%Y%m%d}.xlsx")


def _upload_problem(upload):
    """A message when the upload is not worth opening, else None."""
    if upload is None:
        return "请选择要上传的花名册文件。"
    if not upload.name.lower().endswith(".xlsx"):
        return "只能上传 .xlsx 格式的 Excel 文件（.xls、.csv 等请先在 Excel 或 WPS 中另存为 .xlsx）。"
    if upload.size > roster.MAX_UPLOAD_BYTES:
        return f"文件过大（超过 {roster.MAX_UPLOAD_BYTES // (1024 * 1024)} MB），请分批导入。"
    return None


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request, pk):
    branch = get_branch_for_user(request.user, pk, Action.EDIT)
    error, row_errors = None, []
    if request.method == "POST":
        upload = request.FILES.get("file")
        error = _upload_problem(upload)
        if error is None:
            try:
                count = roster.roster_import(actor=request.user, branch=branch, fileobj=upload)
            except DomainError as e:
                error, row_errors = e.message, getattr(e, "errors", [])
            else:
                messages.success(request, f"已导入 {count} 名党员")
                return redirect(reverse("branch_detail", args=[branch.pk]))
    return render(
        request,
        "branches/roster_import.html",
        {
            "branch": branch,
            "error": error,
            "row_errors": row_errors,
            "max_rows": settings.ROSTER_IMPORT_MAX_ROWS,
            "max_mb": roster.MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )
