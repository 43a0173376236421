"""Accounts: no open sign-up. Admins issue single-use, expiring invitation links."""

import logging
import time
from smtplib import SMTPException

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from kombu.exceptions import OperationalError as KombuOperationalError

from flights import passwords
from flights.forms import InvitationForm, InvitedUserForm
from flights.models import Invitation
from flights.permissions import VOLUNTEER, admin_required
from flights.tasks import send_password_reset

log = logging.getLogger(__name__)


def _mail_invitation(request, invitation: Invitation, link: str) -> None:
    try:
        send_mail(
            f"Your invitation to {settings.SITE_NAME}",
            "You are invited to report flight sightings.\n\nCreate your account here (the link "
            f"works once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n{link}\n",
            None,
            [invitation.email],
        )
    except (OSError, SMTPException):
        log.warning("could not e-mail invitation %s", invitation.pk, exc_info=True)
        messages.error(
            request, f"Could not e-mail {invitation.email}: send them the link below yourself."
        )
        return
    messages.success(request, f"Invitation e-mailed to {invitation.email}.")


@admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_list(request):
    link = None
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            invitation, token = Invitation.issue(
                request.user,
                email=form.cleaned_data["email"],
                note=form.cleaned_data["note"],
                days=form.cleaned_data["days"],
            )
            link = request.build_absolute_uri(reverse("flights:invitation_accept", args=[token]))
            if invitation.email:
                _mail_invitation(request, invitation, link)
            form = InvitationForm()
    else:
        form = InvitationForm()
    invitations = Invitation.objects.select_related("created_by", "used_by")[:100]
    return render(
        request,
        "registration/invitation_list.html",
        {"form": form, "link": link, "invitations": invitations, "now": timezone.now()},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token: str):
    invitation = Invitation.find_usable(token)
    if invitation is None:
        return render(request, "registration/invitation_invalid.html", status=410)
    if request.method == "POST":
        form = InvitedUserForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                # Lock so two tabs cannot both spend one invitation.
                invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
                if not invitation.is_usable:
                    return render(request, "registration/invitation_invalid.html", status=410)
                user = form.save()
                user.groups.add(Group.objects.get_or_create(name=VOLUNTEER)[0])
                invitation.used_at, invitation.used_by = timezone.now(), user
                invitation.save(update_fields=["used_at", "used_by"])
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome. You can now report sightings.")
            return redirect("flights:sighting_add")
    else:
        form = InvitedUserForm(initial={"email": invitation.email})
    return render(
        request, "registration/invitation_accept.html", {"form": form, "invitation": invitation}
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, limited per address and per client, in constant time.

    The answer is the same redirect for known and unknown addresses, and for an address over
    its limit (no mail is sent then); only a client over its own limit is told so (429).
    Every answer to a POST takes at least PASSWORD_RESET_MIN_SECONDS (flights.passwords).
    """

    def post(self, request, *args, **kwargs):
        started = time.monotonic()
        client = get_client_ip_address(request) or "unknown"
        if passwords.over_limit("client", client, settings.PASSWORD_RESET_PER_CLIENT):
            response = render(request, "registration/password_reset_limited.html", status=429)
        else:
            response = super().post(request, *args, **kwargs)
        time.sleep(max(0.0, settings.PASSWORD_RESET_MIN_SECONDS - (time.monotonic() - started)))
        return response

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not passwords.over_limit("address", email, settings.PASSWORD_RESET_PER_ADDRESS):
            domain, secure = self.request.get_host(), self.request.is_secure()
            for user_id in passwords.account_ids(email):
                try:
                    send_password_reset.delay(user_id, domain, secure)
                except KombuOperationalError:
                    log.warning("queue unavailable: mailing the reset link in the request")
                    passwords.send_reset_mail(user_id, domain, secure)
        return HttpResponseRedirect(self.get_success_url())
