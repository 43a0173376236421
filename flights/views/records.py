from django.shortcuts import render
from django.views.decorators.http import require_safe

from flights.models import Flight


@require_safe
def home(request):
    flights = Flight.objects.not_retracted().recent(25)
    return render(request, "flights/home.html", {"flights": flights})
