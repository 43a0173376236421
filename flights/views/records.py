from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from flights.models import Flight


@require_safe
def home(request):
    flights = Flight.objects.not_retracted().recent(25)
    return render(request, "flights/home.html", {"flights": flights})


@require_safe
def flight_detail(request, pk: int):
    flight = get_object_or_404(Flight.objects.with_route().with_legs(), pk=pk)
    return render(request, "flights/flight_detail.html", {"flight": flight})
