from branches.permissions import Action, can_any, is_district, user_scopes
from wujin_branch.notices import unread_count


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notices": unread_count(user),  # cached per user, forgotten when it changes
        "my_scopes": user_scopes(user),
        "is_district": is_district(user),
        "can_manage_orgs": can_any(user, Action.MANAGE),
        "can_approve_any": can_any(user, Action.APPROVE),
        "can_manage_accounts": can_any(user, Action.ACCOUNTS),
    }
