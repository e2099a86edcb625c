"""At first login with a password someone else chose, the password page comes first."""

from django.shortcuts import redirect
from django.urls import reverse

PASSWORD_PAGE = "own_password"


class FirstPasswordMiddleware:
    """A user holding a password someone else chose (new account, reset) goes to the password
    page first; only that page, logging out and the public pages stay open."""

    OPEN = ("/static/", "/media/", "/healthz/", "/readyz/", "/gongshi/", "/logout/", "/login/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(self.OPEN)
            and request.path != reverse(PASSWORD_PAGE)
        ):
            return redirect(PASSWORD_PAGE)
        return self.get_response(request)
