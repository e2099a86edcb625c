"""Long background jobs (``Job``): progress as JSON for scripts, or the htmx fragment that a
page polls. Apps decide who may see a job (the kernel knows no roles) and call ``job_response``."""

from django.http import JsonResponse
from django.shortcuts import render

from wujin_branch.models import Job


def get_job(pk) -> Job | None:
    return Job.objects.filter(pk=pk).first()


def job_response(request, job: Job):
    if request.htmx:
        return render(request, "kernel/_job.html", {"job": job})
    return JsonResponse({"status": job.status, "status_label": job.get_status_display(), "done": job.done,
                         "total": job.total, "percent": job.percent, "message": job.message})  # fmt: skip
