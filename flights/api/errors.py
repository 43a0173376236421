"""The API's error body, `{"errors": [{"parameter", "value", "message"}]}`, for every 4xx.

DRF's exceptions (404, 405, 429) and our `BadParameters` all answer in this one shape, which
docs/api.md documents and v1 clients parse.
"""

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class BadParameters(Exception):
    """One or more query-string parameters cannot be used; `errors` names each one."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def error(parameter: str | None, value, message: str) -> dict:
    return {"parameter": parameter, "value": value, "message": message}


MESSAGES = {
    exceptions.Throttled: "Too many requests; retry later.",
}


def api_exception_handler(exc, context):
    """DRF's handler (status, Retry-After, Allow), with our body."""
    if isinstance(exc, BadParameters):
        return Response({"errors": exc.errors}, status=400)
    response = exception_handler(exc, context)
    if response is not None:
        message = MESSAGES.get(type(exc)) or str(getattr(exc, "detail", exc))
        response.data = {"errors": [error(None, None, message)]}
    return response
