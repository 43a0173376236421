from django.shortcuts import render
from django.views.decorators.http import require_safe

from flights.models import Flight


@require_safe
def home(request):
    # Cited records first; generated demo flights apart, so nobody mistakes one for the other.
    shown = Flight.objects.not_retracted()
    return render(
        request,
        "flights/home.html",
        {
            "flights": shown.filter(is_synthetic=False).recent(25),
            "synthetic": shown.filter(is_synthetic=True).recent(15),
        },
    )
