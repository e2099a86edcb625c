from contextlib import contextmanager

from django.db import OperationalError


class DomainError(Exception):
    """A rule was broken. The message is shown to the user as it is, in Chinese."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEditError(DomainError):
    """Someone else saved the object after this form was opened."""

    MESSAGE = "该记录已被他人修改，您的修改未保存。请刷新页面查看最新内容后再修改。"

    def __init__(self, message=MESSAGE):
        super().__init__(message)


BUSY = "该记录正在被他人处理，您的操作未执行。可能已被他人处理，请刷新页面查看。"


@contextmanager
def lock_conflicts(message: str = BUSY):
    """A write that waited for a lock longer than the database allows fails with "database is
    locked" (SQLite, past its busy timeout). Turn that into a ``DomainError`` the view shows,
    instead of a server error. Use it around (or as a decorator on) the outermost transaction."""
    try:
        yield
    except OperationalError as e:
        if "locked" not in str(e):
            raise
        raise DomainError(message) from e
