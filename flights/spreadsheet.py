"""Cells that a spreadsheet will not run: one rule for every CSV the tracker writes.

A spreadsheet treats a cell starting with one of FORMULA_START as a formula, so a value such as
`=HYPERLINK(...)` from an import or a sighting would run on an analyst's machine. Every CSV writer
(exports, rejected rows, reports) passes its cells through `safe_cell`; the COPY-based exports apply
the same rule in SQL (see docs/security.md).
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading apostrophe when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
