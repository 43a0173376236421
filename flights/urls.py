from django.urls import path

from flights.views import records

app_name = "flights"

# One block per area; each area's views live in flights/views/<area>.py.
urlpatterns = [
    path("", records.home, name="home"),
    path("flights/<int:pk>/", records.flight_detail, name="flight_detail"),
]
