"""The demo accounts (district, reviewer, secretary, worker) and their roles."""

from django.contrib.auth.hashers import make_password

from branches.demo.common import DEMO_PASSWORD
from branches.models import AccountAction, AccountEvent, Role, RoleAssignment, User


class AccountsMixin:
    """Users and role assignments (part of ``DemoBuilder``)."""

    def _users(self, demo_branch):
        password = make_password(DEMO_PASSWORD)
        secretary = demo_branch.seats[0].holder if demo_branch and demo_branch.seats else None
        worker = demo_branch.core[-1] if demo_branch and demo_branch.core else None
        spec = [
            ("district", "周建华", True),
            ("reviewer", "顾文婷", False),
            ("secretary", secretary.name if secretary else "支部书记", False),
            ("worker", worker.name if worker else "党务工作者", False),
        ]
        users = {}
        for username, full_name, staff in spec:
            u = User.objects.filter(username=username).first() or User(username=username)
            u.full_name, u.password = full_name, password
            u.is_staff = u.is_superuser = staff
            u.is_active = True
            u.save()
            users[username] = u
        return users

    def _roles(self, users, reviewer_committee, demo):
        roles = [
            (users["district"], self.root, Role.DISTRICT),
            (users["reviewer"], reviewer_committee.org, Role.REVIEWER),
        ]
        if demo is not None:
            roles += [(users["secretary"], demo.org, Role.SECRETARY), (users["worker"], demo.org, Role.WORKER)]
        for user, org, role in roles:
            RoleAssignment.objects.create(user=user, organization=org, role=role, created_at=self.now)
        # The account log starts with the district creating each demo login.
        AccountEvent.objects.bulk_create(
            AccountEvent(
                at=self.now,
                actor=users["district"] if user != users["district"] else None,
                user=user,
                organization=org,
                action=AccountAction.CREATED,
                detail=f"{Role(role).label} · {org.name}",
            )
            for user, org, role in roles
        )
