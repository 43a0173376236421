"""ADS-B traces of watched aircraft become candidate legs for moderators (docs/adsb.md).

`readers` turns files into traces, `legs` finds legs in a trace (pure), `thin` simplifies
tracks, `airports` finds the airport of a takeoff or landing, `ingest` writes candidates.
"""
