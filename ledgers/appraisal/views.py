"""Pages for 民主评议党员: the appraisal, its tally grid and publication."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.forms import DATE, VersionedForm
from branches.permissions import Action, can
from ledgers.appraisal import disposals
from ledgers.appraisal import selectors as appraisal_selectors
from ledgers.appraisal import services as appraisal_services
from ledgers.models import Grade
from ledgers.pages import at_year
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page, url_year, year_param, years_choice
from wujin_branch.services import today


class AppraisalForm(VersionedForm):
    held_on = forms.DateField(label="评议日期", widget=DATE)
    meeting = forms.TypedChoiceField(label="民主评议党员会议记录", coerce=int, required=False, empty_value=None)
    self_notes = forms.CharField(label="个人自评情况", widget=forms.Textarea(attrs={"rows": 5}))
    mutual_notes = forms.CharField(label="党员互评情况", widget=forms.Textarea(attrs={"rows": 5}))
    synthesis = forms.CharField(label="综合分析", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "（不关联会议记录）")] + [
            (m.pk, f"{m.held_on} {m.topic}（实到 {m.present_count} 人）") for m in meetings
        ]
        self.fields["meeting"].help_text = (
            "关联后，参加评议人数取该会议的实到人数；不关联则取评议日期时支部名册人数。"
            if meetings
            else "本年度尚无“民主评议党员会议”记录，可先在组织生活记录中录入后再关联。"
        )


class PublishForm(forms.Form):
    posted_on = forms.DateField(label="公布日期", widget=DATE)


# ================================================================ 民主评议党员


def _parse_tallies(post):
    """``{member_id: TallyInput | None}``, what was typed per row, and rows that do not parse."""
    rows, typed, errors = {}, {}, {}
    for raw in post.getlist("m"):
        try:
            mid = int(raw)
        except ValueError:
            continue
        vals = [post.get(f"{k}_{mid}", "").strip() for k in ("good", "average", "poor")]
        grade = post.get(f"grade_{mid}", "").strip()
        why = post.get(f"why_{mid}", "").strip()
        typed[mid] = (*vals, grade, why)
        if not any(vals) and not grade:
            rows[mid] = None
            continue
        try:
            nums = [int(v) if v else 0 for v in vals]
        except ValueError:
            errors[mid] = "票数应为整数。"
            continue
        rows[mid] = appraisal_services.TallyInput(*nums, grade=grade, reasoning=why)
    return rows, typed, errors


@login_required
def appraisal_page(request, pk):
    """The year's appraisal: notes, meeting, the tally grid (saved in one request), publication."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = year_param(request)
    appraisal = appraisal_selectors.appraisal_for(branch, year)
    can_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    typed = errors = None
    grid_error = ""
    version = appraisal.version if appraisal else None
    if request.method == "POST":
        if not can_edit or appraisal is None:
            raise Http404
        rows, typed, errors = _parse_tallies(request.POST)
        raw = request.POST.get("version", "")
        version = int(raw) if raw.isdigit() else -1  # kept on error: a stale grid stays stale
        if errors:
            grid_error = f"有 {len(errors)} 名党员的票数填写有误，请修改后再保存（本次未保存任何内容）。"
        else:
            try:
                done = appraisal_services.appraisal_results_save(
                    actor=request.user, appraisal=appraisal, version=version, rows=rows
                )
            except appraisal_services.AppraisalGridError as e:
                errors, grid_error = e.rows, e.message
            except DomainError as e:
                grid_error = e.message
            else:
                n = f"新增 {done['created']}，修改 {done['updated']}，清除 {done['removed']}"
                messages.success(request, f"评议结果已保存（{n}）。")
                return redirect(at_year("appraisal_page", branch, year))
    rows = appraisal_selectors.appraisal_grid(appraisal, posted=typed, errors=errors) if appraisal else []
    published = bool(appraisal and appraisal.published_on)
    return render(
        request,
        "ledgers/appraisal_page.html",
        {
            "branch": branch,
            "year": year,
            "years": years_choice(),
            "appraisal": appraisal,
            "version": version,
            "rows": rows,
            "ballots": appraisal_services.appraisal_ballots(appraisal) if appraisal else 0,
            "summary": appraisal_selectors.grade_summary(rows),
            "graded": sum(r.result is not None for r in rows),
            "rule_text": appraisal_services.grade_rule_text(),
            "grades": Grade.choices,
            "grid_error": grid_error,
            "unqualified": list(disposals.unqualified_results(appraisal)) if appraisal else [],
            "can_edit": can_edit,
            "editable": can_edit and appraisal is not None and not published,
            "publish_form": PublishForm(initial={"posted_on": today()}),
        },
    )


@login_required
def appraisal_edit(request, pk, year):
    """Create or change the year's appraisal notes, date and meeting link."""
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    year = url_year(year)
    appraisal = appraisal_selectors.appraisal_for(branch, year)
    meetings = list(appraisal_services.appraisal_meetings(branch, year))
    if appraisal:
        initial = {
            "version": appraisal.version,
            "held_on": appraisal.held_on,
            "meeting": appraisal.meeting_id,
            "self_notes": appraisal.self_notes,
            "mutual_notes": appraisal.mutual_notes,
            "synthesis": appraisal.synthesis,
        }
    else:
        first = meetings[0] if meetings else None
        initial = {"version": 0,  # opened before the appraisal existed: saving over one found then is stale
                   "held_on": first.held_on if first else today(), "meeting": first.pk if first else None}
    form = AppraisalForm(request.POST or None, meetings=meetings, initial=initial)

    def save(d):
        meeting = next((m for m in meetings if m.pk == d["meeting"]), None)
        fields = {k: d[k] for k in ("held_on", "self_notes", "mutual_notes", "synthesis")}
        if appraisal is None:
            return appraisal_services.appraisal_create(
                actor=request.user, branch=branch, year=year, meeting=meeting, **fields
            )
        return appraisal_services.appraisal_update(
            actor=request.user, appraisal=appraisal, version=d["version"], meeting=meeting, **fields
        )

    return form_page(
        request,
        form,
        save,
        done=lambda _: "已保存。" if appraisal else "已录入，请接着填写每名党员的评议票数。",
        template="ledgers/appraisal_form.html",
        back=at_year("appraisal_page", branch, year),
        context={
            "branch": branch,
            "title": f"{year}年度民主评议党员" + ("：修改" if appraisal else "：录入"),
            "published": bool(appraisal and appraisal.published_on),
        },
    )


@login_required
@require_POST
def appraisal_publish(request, pk):
    appraisal = appraisal_selectors.get_appraisal_for_user(request.user, pk, Action.EDIT)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写公布日期。")
    else:
        try:
            appraisal_services.appraisal_publish(
                actor=request.user, appraisal=appraisal, posted_on=form.cleaned_data["posted_on"]
            )
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "评议结果已在党务公开栏公布（仅公布姓名和等次，不公布票数）。")
    return redirect(at_year("appraisal_page", appraisal.branch, appraisal.year))
