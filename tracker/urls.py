from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from flights.views import accounts

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
]
# English at /, every other language under /<code>/ (see LANGUAGES in settings).
urlpatterns += i18n_patterns(
    # Before django.contrib.auth's own: the rate-limited, constant-time reset (docs/security.md).
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("flights.urls")),
    prefix_default_language=False,
)
