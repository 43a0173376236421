"""Password resets that tell a stranger nothing and cannot be used to flood an inbox.

A reset request is limited per e-mail address and per client address (counters in the cache,
PASSWORD_RESET_PER_ADDRESS / PER_CLIENT per PASSWORD_RESET_WINDOW), and answers the same way, in
at least PASSWORD_RESET_MIN_SECONDS, whether or not the address has an account: the mail is
rendered and sent by a task (`flights.tasks.send_password_reset`), not while the visitor waits.
See docs/security.md, "Password reset".
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

log = logging.getLogger(__name__)


def over_limit(kind: str, value: str, limit: int) -> bool:
    """Count one request for `value` (an address, a client); True once it passes `limit`."""
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()  # no addresses in Redis
    key = f"password-reset:{kind}:{digest}"
    try:
        if cache.add(key, 1, timeout=settings.PASSWORD_RESET_WINDOW):
            return 1 > limit
        return cache.incr(key) > limit
    except Exception:  # noqa: BLE001 - a cache outage must not stop people resetting passwords
        log.warning("cache unavailable while counting password resets", exc_info=True)
        return False


def account_ids(email: str) -> list[int]:
    """Active accounts with a usable password at this address (Django's own rule)."""
    return [user.pk for user in PasswordResetForm().get_users(email)]


def send_reset_mail(user_id: int, domain: str, use_https: bool) -> bool:
    """Mail the reset link to one account, as Django's PasswordResetForm.save would."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    email = getattr(user, user.get_email_field_name())
    context = {
        "email": email,
        "domain": domain,
        "site_name": settings.SITE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        email,
    )
    return True
