# English keeps ISO dates in tables (the tracker's own convention); other languages use Django's
# locale formats (e.g. Spanish d/m/Y), so a new language needs no format file of its own.
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
