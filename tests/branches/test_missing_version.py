"""The member and organization forms refuse a POST without the version they were opened at,
with the usual stale-edit message (issue 11, point 3)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
STALE = "已被他人修改"


def _initial(client, url):
    form = client.get(url).context["form"]
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.initial.items() if v is not None}


def test_member_edit(client, secretary, member):
    client.force_login(secretary)
    url = reverse("member_edit", args=[member.pk])
    data = _initial(client, url)
    data.pop("version")
    data["phone"] = "13900000003"
    r = client.post(url, data)
    assert r.status_code == 200 and STALE in r.content.decode()
    member.refresh_from_db()
    assert member.phone == "" and member.version == 1


def test_org_edit(client, reviewer, branch):
    client.force_login(reviewer)
    url = reverse("org_edit", args=[branch.pk])
    data = {**_initial(client, url), "name": "被覆盖的名称"}
    data.pop("version")
    r = client.post(url, data)
    assert r.status_code == 200 and STALE in r.content.decode()
    branch.refresh_from_db()
    assert branch.name == "东街村党支部"
    data["version"] = branch.version
    assert client.post(url, data).status_code == 302
