"""发展党员: the 25 steps, every write (services) and every page read (selectors).

A person's path is a row per step (``DevStep``); the stage on ``Applicant`` follows from
the steps that move it (3 → 入党积极分子, 7 → 发展对象, 17 → 预备党员, 24 → 正式党员).
Time rules between steps are data (``DevRule``). A step that breaks a rule, or comes out
of order, is recorded only with an exception reason; the breaks are stored on the step
and shown in red to the branch and to reviewers. Step 17 puts the person on the roster as
a 预备党员 and step 24 makes that roster row a 正式党员, through the roster's own services,
so nothing is typed twice.

终止培养 is stored as a step row with code 0 (``STOP_CODE``): it has a date, a reason,
who recorded it and history, like every other event on the timeline.

The package:

- ``steps``: the 25 steps, stages and transitions, the configurable limits, shared helpers;
- ``rules``: time, order, training and vote checks a recorded step must pass;
- ``recording``: registering an applicant, recording a step, 终止培养 (services);
- ``examinations``: the half-yearly 入党积极分子 examination and when the next is due;
- ``plans``: the yearly development plan and the structure of who was developed;
- ``selectors``: the getters and the pipeline and timeline pages;
- ``corrections``: correcting (更正) or withdrawing (撤回) a recorded step.

Everything other code uses is importable from the package itself (``dev.step_record``).
"""

from ledgers.development.examinations import (
    EXAMINATION_STEP,
    ExaminationDue,
    examination_due_on,
    examination_record,
    examination_status,
    examination_withdraw,
    overdue_examination_count,
)
from ledgers.development.plans import (
    COLLEGE_OR_ABOVE,
    FRONTLINE,
    PLAN_FIELDS,
    YOUNG_AGE,
    Compare,
    Structure,
    actual_structure,
    developed_in_year,
    plan_approve,
    plan_page,
    plan_save,
)
from ledgers.development.recording import (
    APPLICANT_FIELDS,
    MATERIAL_DOCS,
    MATERIAL_IMAGES,
    applicant_create,
    applicant_stop,
    applicant_update,
    prepare_material,
    step_record,
)
from ledgers.development.rules import active_rules, check_votes, order_breaks_for, rule_breaks_for, training_breaks
from ledgers.development.selectors import (
    DUE_TEXTS,
    Due,
    PipelineRow,
    TimelineItem,
    applicant_page,
    dues_for,
    full_members_on,
    get_applicant_for_user,
    get_step_for_user,
    next_code,
    pipeline,
    stage_counts,
    steps_prefetch,
)
from ledgers.development.steps import (
    HARD_PREREQUISITES,
    IN_PROGRESS,
    LAST_CODE,
    STAGE_ORDER,
    STAGE_STEPS,
    STAGES,
    STEP,
    STEPS,
    STOP_CODE,
    TRANSITIONS,
    VOTE_FIELDS,
    Step,
    age_on,
    examination_months,
    min_age,
    months_after,
    training_minimum,
)

__all__ = [
    "EXAMINATION_STEP",
    "ExaminationDue",
    "examination_due_on",
    "examination_record",
    "examination_withdraw",
    "examination_status",
    "overdue_examination_count",
    "COLLEGE_OR_ABOVE",
    "FRONTLINE",
    "PLAN_FIELDS",
    "YOUNG_AGE",
    "Compare",
    "Structure",
    "actual_structure",
    "developed_in_year",
    "plan_approve",
    "plan_page",
    "plan_save",
    "APPLICANT_FIELDS",
    "MATERIAL_DOCS",
    "MATERIAL_IMAGES",
    "applicant_create",
    "applicant_stop",
    "applicant_update",
    "prepare_material",
    "step_record",
    "active_rules",
    "check_votes",
    "order_breaks_for",
    "rule_breaks_for",
    "training_breaks",
    "DUE_TEXTS",
    "Due",
    "PipelineRow",
    "TimelineItem",
    "applicant_page",
    "dues_for",
    "full_members_on",
    "get_applicant_for_user",
    "get_step_for_user",
    "next_code",
    "pipeline",
    "stage_counts",
    "steps_prefetch",
    "HARD_PREREQUISITES",
    "IN_PROGRESS",
    "LAST_CODE",
    "STAGE_ORDER",
    "STAGE_STEPS",
    "STAGES",
    "STEP",
    "STEPS",
    "STOP_CODE",
    "TRANSITIONS",
    "VOTE_FIELDS",
    "Step",
    "age_on",
    "examination_months",
    "min_age",
    "months_after",
    "training_minimum",
]
