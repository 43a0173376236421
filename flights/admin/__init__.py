"""Django admin, one module per area."""

from . import records  # noqa: F401
