"""Views, one module per area: records (home), dashboard, imports, sightings, accounts, health."""
