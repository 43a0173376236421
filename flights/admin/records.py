from django.contrib import admin

from flights.models import Aircraft, AircraftType, Airport, Country, Flight, Leg, Operator, Source

admin.site.register([Aircraft, AircraftType, Airport, Country, Flight, Leg, Operator, Source])
