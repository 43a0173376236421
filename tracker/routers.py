"""Read replica routing (docs/operations.md, "Scale"): page and API reads go to the replica,
everything else to the primary.

`ReplicaReadsMiddleware` marks a request as a replica read when it is a GET or HEAD served by an
analyst page, an export or the API (by the view's module, so new views there are covered);
`ReplicaRouter` then sends reads of the tracker's own models there. Writes, reads inside a
transaction, sessions and users, and every request that is not a page read stay on the primary,
so a volunteer or moderator always reads what they just wrote.
"""

import contextvars

from django.db import connections

REPLICA = "replica"
# Views whose GET/HEAD requests read from the replica.
READ_VIEW_MODULES = (
    "flights.views.dashboard",
    "flights.views.records",
    "flights.views.exports",
    "flights.api",
)
_replica_reads = contextvars.ContextVar("replica_reads", default=False)


class ReplicaRouter:
    """Reads of the `flights` app to the replica while a page read is being served."""

    def db_for_read(self, model, **hints):
        if (
            _replica_reads.get()
            and model._meta.app_label == "flights"
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: objects from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Serve page and API reads (GET/HEAD) from the replica; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _replica_reads.set(False)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD"):
            module = getattr(view_func, "__module__", "") or ""
            _replica_reads.set(module.startswith(READ_VIEW_MODULES))
        return None
