"""Helpers every service uses: today's date, model validation as a ``DomainError``, text
fields, stale-edit checks and year bounds. The kernel imports no app; the permission check
(``require``) lives beside ``can`` in ``branches.permissions``."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from wujin_branch.errors import DomainError, StaleEditError

MIN_YEAR = 2000


def today() -> datetime.date:
    return timezone.localdate()


def clean(obj, exclude=None):
    """``full_clean`` whose errors come back as one ``DomainError`` naming each field in Chinese."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as e:
        msgs = []
        for name, errs in e.message_dict.items():
            label = name
            try:
                label = obj._meta.get_field(name).verbose_name
            except Exception:
                pass
            msgs.append(f"{label}：{'；'.join(errs)}" if name != "__all__" else "；".join(errs))
        raise DomainError("；".join(msgs)) from e


def clean_text(value, label, *, required=True, max_length=None, field=None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", field=field)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label}不能超过 {max_length} 字。", field=field)
    return value


def check_version(obj, version):
    """Refuse a save made from a form opened before the last save; then bump the version."""
    if version is not None and int(version) != obj.version:
        raise StaleEditError()
    obj.version += 1


def require_version(current: int, posted) -> None:
    """Refuse a save unless ``posted`` is the version the page was opened at. A missing or
    garbled version is refused too: a POST without one must not overwrite anything."""
    if posted is None or not str(posted).strip().isdigit() or int(posted) != current:
        raise StaleEditError()


def check_year(year, *, allow_next=False, field="year"):
    last = today().year + (1 if allow_next else 0)
    if not isinstance(year, int) or not MIN_YEAR <= year <= last:
        raise DomainError(f"年度应在 {MIN_YEAR}—{last} 之间。", field=field)
