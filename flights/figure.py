"""Plotly figures as plain dicts: the subset of `plotly.graph_objects` that flights.charts uses.

graph_objects validates every property through its class tree: building and serialising the
overview's four figures took about 0.8 s of a cold page at 1,000,000 flights under load
(docs/benchmarks.md, 2026-12-02), more than all its SQL. The browser's Plotly validates
anyway, so the figures are built here as nested dicts with the same spelling (magic
underscores: `marker_color=` is `marker.color`), read back by attribute as graph_objects
allows (`fig.layout.xaxis.range`), and written with orjson: json.dumps took 14 times as long
on the route map's figure of 30,000 numbers (7 ms of a cold map page; docs/benchmarks.md).
"""

import decimal
import types

import orjson

# Property names that contain an underscore but are one name, not a path.
WHOLE_NAMES = {"paper_bgcolor", "plot_bgcolor"}


class Node(dict):
    """A figure part: a dict whose keys read as attributes (unset ones as None)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)


def _convert(value):
    if isinstance(value, dict):
        node = Node()
        _merge(node, value, split=False)
        return node
    if isinstance(value, list | tuple):
        # The types present, gathered in C: a map's arrays hold tens of thousands of numbers.
        if not any(issubclass(kind, dict | list | tuple) for kind in set(map(type, value))):
            return tuple(value)  # a data array
        return tuple(_convert(v) for v in value)
    return value


def _merge(target: dict, updates: dict, split: bool = True) -> None:
    """Set `updates` into `target` as plotly's update does: dicts merged, the rest replaced;
    with `split`, "a_b" names the property b of a."""
    for key, value in updates.items():
        if value is None:
            continue
        path = key.split("_") if split and key not in WHOLE_NAMES else [key]
        node = target
        for part in path[:-1]:
            node = node.setdefault(part, Node())
        leaf = path[-1]
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            _merge(node[leaf], value, split=False)
        else:
            node[leaf] = _convert(value)


def _trace(kind: str):
    def build(**properties) -> Node:
        trace = Node(type=kind)
        _merge(trace, properties)
        return trace

    build.__name__ = kind.capitalize()
    return build


Bar = _trace("bar")
Scattergeo = _trace("scattergeo")
Choropleth = _trace("choropleth")
layout = types.SimpleNamespace(Template=Node)


def _json_default(value):
    # Only what orjson cannot write itself: it writes dates and datetimes as isoformat() does.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class Figure:
    """Traces and a layout, built with graph_objects' method names."""

    def __init__(self, data=None, layout=None):
        if data is None:
            data = []
        self.data = list(data) if isinstance(data, list | tuple) else [data]
        self.layout = Node()
        # Top-level keys beside data and layout, for what static/js/charts.js builds into
        # traces itself (the route map's arcs); Plotly never sees them.
        self.extra: dict = {}
        if layout:
            _merge(self.layout, layout)

    def add_trace(self, trace: Node) -> "Figure":
        self.data.append(trace)
        return self

    def update_layout(self, updates: dict | None = None, **properties) -> "Figure":
        _merge(self.layout, {**(updates or {}), **properties})
        return self

    def _update(self, part: str, properties: dict) -> "Figure":
        _merge(self.layout.setdefault(part, Node()), properties)
        return self

    def update_xaxes(self, **properties) -> "Figure":
        return self._update("xaxis", properties)

    def update_yaxes(self, **properties) -> "Figure":
        return self._update("yaxis", properties)

    def update_geos(self, **properties) -> "Figure":
        return self._update("geo", properties)

    def _append(self, part: str, properties: dict) -> "Figure":
        item = Node()
        _merge(item, properties)
        self.layout[part] = (*self.layout.get(part, ()), item)
        return self

    def add_shape(self, **properties) -> "Figure":
        return self._append("shapes", properties)

    def add_annotation(self, **properties) -> "Figure":
        return self._append("annotations", properties)

    def to_plotly_json(self) -> dict:
        return {"data": self.data, "layout": self.layout, **self.extra}

    def to_json(self, validate: bool = False) -> str:
        # Non-ASCII text is written as UTF-8, not \\u escapes; integer keys as strings, as
        # json.dumps wrote them; NaN as null (json.dumps wrote NaN, which JSON.parse refuses).
        return orjson.dumps(
            self.to_plotly_json(), default=_json_default, option=orjson.OPT_NON_STR_KEYS
        ).decode()
