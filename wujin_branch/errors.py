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
