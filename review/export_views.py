"""Downloads: one branch's score sheet, a committee's 申报表, and the district's bulk export of
every sheet of a period (a background job the page polls with htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment.models import Assessment, Period
from assessment.selectors import get_assessment_for_user
from branches.models import Role
from branches.permissions import has_role, is_district
from review import exports, pdf
from review.models import Declaration
from wujin_branch.errors import DomainError
from wujin_branch.models import Job, JobStatus
from wujin_branch.storage import stored_response

DECLARATION_ROLES = {Role.REVIEWER, Role.DISTRICT}


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # filename*=utf-8''… for the Chinese name (RFC 6266), with an ASCII fallback for old clients.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _district_only(request):
    if not is_district(request.user):
        raise Http404


@login_required
@require_GET
def score_sheet_pdf(request, pk):
    """Anyone who may view the assessment (its branch, its committee, the district)."""
    a = get_assessment_for_user(request.user, pk)
    content, filename = pdf.score_sheet_pdf(a)
    return _pdf_response(content, filename)


@login_required
@require_GET
def declaration_pdf(request, pk):
    """The committee's reviewers and district staff; anyone else gets the same 404 as a missing id."""
    d = Declaration.objects.select_related("committee", "period").filter(pk=pk).first()
    if d is None or not has_role(request.user, DECLARATION_ROLES, d.committee):
        raise Http404("未找到该申报表")
    content, filename = pdf.declaration_pdf(d)
    return _pdf_response(content, filename)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_export(request, pk):
    _district_only(request)
    period = get_object_or_404(Period, pk=pk)
    if request.method == "POST":
        try:
            exports.bulk_export_start(actor=request.user, period=period)
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "已开始生成，完成后可在本页下载。")
        return redirect("bulk_export", pk=period.pk)
    return render(request, "review/export_page.html", {
        "period": period,
        "n_sheets": Assessment.objects.filter(period=period).count(),
        "job": exports.latest_export(period),
    })  # fmt: skip


def _export_job(request, pk) -> Job:
    _district_only(request)
    job = Job.objects.filter(pk=pk, kind=exports.KIND).first()
    if job is None:
        raise Http404
    return job


@login_required
@require_GET
def bulk_export_status(request, pk):
    """The polled partial: progress bar while running, the download link when done."""
    return render(request, "review/_export_job.html", {"job": _export_job(request, pk)})


@login_required
@require_POST
def bulk_export_resume(request, pk):
    """继续 an export whose worker stopped beating: it goes on from the chunks already made."""
    from review.tasks import bulk_export_task
    from wujin_branch import jobs

    job = _export_job(request, pk)
    if jobs.resume(job, bulk_export_task):
        messages.success(request, "已重新开始生成，将从中断处继续。")
    else:
        messages.info(request, "该导出没有中断，无需继续。")
    return redirect("bulk_export", pk=job.params.get("period"))


@login_required
@require_GET
def bulk_export_download(request, pk):
    job = _export_job(request, pk)
    if job.status != JobStatus.DONE or not job.result:
        raise Http404("文件尚未生成")
    period = Period.objects.filter(pk=job.params.get("period")).first()
    filename = exports.export_filename(period) if period else f"评分表汇总-{job.pk}.pdf"
    return stored_response(job.result, as_attachment=True, filename=filename, content_type="application/pdf",
                           cache_control="private, no-store")  # fmt: skip
