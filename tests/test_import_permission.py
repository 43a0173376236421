"""One permission starts imports, checked the same in the admin and at /imports/ (issue 13 #9).

A moderator with staff status (as docs/sightings.md recommends for bulk actions) could not open
import runs in the admin, yet could start one at /imports/, which checked only is_staff.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flights.models import ImportRun
from flights.permissions import can_start_imports

pytestmark = pytest.mark.django_db


def upload():
    return SimpleUploadedFile("log.csv", b"date,from,to\n", "text/csv")


@pytest.fixture
def staff_moderator(make_user):
    return make_user("staffmod", "moderator", is_staff=True)


def test_a_staff_moderator_without_the_permission_cannot_start_an_import(client, staff_moderator):
    client.force_login(staff_moderator)
    response = client.post(reverse("flights:imports"), {"format": "flightlog", "file": upload()})
    assert response.status_code == 403
    assert client.get(reverse("flights:imports")).status_code == 403
    assert client.get(reverse("admin:flights_importrun_add")).status_code == 403
    assert ImportRun.objects.count() == 0


def test_the_admin_and_the_staff_page_agree_for_every_user(client, make_user, role_users):
    staff_admin = make_user("staffadmin", "admin", is_staff=True)
    granted = make_user("granted", is_staff=True)
    granted.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    not_staff = make_user("notstaff")
    not_staff.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    for user, allowed in [
        (staff_admin, True),
        (granted, True),
        (not_staff, False),
        (make_user("plainstaff", is_staff=True), False),
        (make_user("staffmod2", "moderator", is_staff=True), False),
    ]:
        assert can_start_imports(user) is allowed, user.username
        client.force_login(user)
        page = client.get(reverse("flights:imports")).status_code
        admin_add = client.get(reverse("admin:flights_importrun_add")).status_code
        assert (page == 200, admin_add == 200) == (allowed, allowed), user.username


def test_the_admin_role_starts_imports_at_the_staff_page(
    client, make_user, django_capture_on_commit_callbacks
):
    staff_admin = make_user("staffadmin", "admin", is_staff=True)
    client.force_login(staff_admin)
    response = client.post(reverse("flights:imports"), {"format": "flightlog", "file": upload()})
    assert response.status_code == 302
    assert ImportRun.objects.get().started_by == staff_admin
