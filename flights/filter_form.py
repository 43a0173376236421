"""The filter form's markup, written in Python: it is on every analyst page.

Through the template engine the form cost about 2.4 ms of every cold page at 1,000,000 flights,
against a budget of one `count(*)` (docs/benchmarks.md, "Analyst pages, cold: fifth
session"): 1.3 ms of it Django building a widget context per option (33 of them), the rest the
template's loop, tags and includes. Here each widget's context is built from the same parts
Django uses (`BoundField.build_widget_attrs`, the widget's own `attrs` and `format_value`), and
`flights.form_renderer` writes the markup Django's widget templates write, character for
character (tests/test_filter_form.py renders every field both ways). A widget or choice list
this does not know (a grouped choice, another widget class) goes through Django.
"""

from html import escape

from django import forms
from django.forms.boundfield import BoundField
from django.forms.widgets import ChoiceWidget
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from flights.form_renderer import FastWidgets, checkboxes_markup, input_markup, select_markup

# Drawn apart, each as a fieldset of checkboxes under its legend.
FIELDSETS = ("kind", "status")
_INPUTS = (forms.TextInput, forms.DateInput)
_CHOICES = (forms.CheckboxSelectMultiple, forms.Select)


def _attrs(field: BoundField, widget: forms.Widget) -> dict:
    """The attributes `BoundField.as_widget` gives the widget, merged as `build_attrs` does."""
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return {**widget.attrs, **attrs}


def _options(field: BoundField, widget: ChoiceWidget, attrs: dict) -> list[dict] | None:
    """`ChoiceWidget.optgroups` for a flat choice list (None for a grouped one)."""
    selected_values = set(widget.format_value(field.value()))
    multiple = widget.allow_multiple_selected
    options, has_selected = [], False
    for index, (value, label) in enumerate(widget.choices):
        if isinstance(label, list | tuple):
            return None
        value = "" if value is None else value
        selected = (multiple or not has_selected) and str(value) in selected_values
        has_selected |= selected
        option_attrs = dict(attrs) if widget.option_inherits_attrs else {}
        if selected:
            option_attrs.update(widget.checked_attribute)
        if "id" in option_attrs:
            option_attrs["id"] = widget.id_for_label(option_attrs["id"], str(index))
        options.append(
            {
                "name": field.html_name,
                "value": value,
                "label": label,
                "attrs": option_attrs,
                "type": widget.input_type,
                "wrap_label": True,
            }
        )
    return options


def widget_markup(field: BoundField) -> str:
    """The field's widget, as `str(field)` writes it with `FastWidgets`."""
    widget = field.field.widget
    if not isinstance(field.form.renderer, FastWidgets):
        return str(field)
    if type(widget) in _INPUTS:
        return input_markup(
            {
                "name": field.html_name,
                "type": widget.input_type,
                "value": widget.format_value(field.value()),
                "attrs": _attrs(field, widget),
            }
        )
    if type(widget) in _CHOICES:
        attrs = _attrs(field, widget)
        if widget.allow_multiple_selected and type(widget) is forms.Select:
            attrs["multiple"] = True
        options = _options(field, widget, attrs)
        if options is not None:
            context = {"name": field.html_name, "attrs": attrs, "optgroups": [(None, options, 0)]}
            if type(widget) is forms.Select:
                return select_markup(context)
            return checkboxes_markup(context)
    return str(field)


def _errors(errors) -> str:
    # Django's error list markup (rare: an invalid form answers 400 with it).
    return str(errors) if errors else ""


def _field(field: BoundField) -> str:
    return (
        f'<p class="filter-field"><label for="{escape(field.id_for_label)}">'
        f"{escape(str(field.label))}</label>{widget_markup(field)}{_errors(field.errors)}</p>"
    )


def _fieldset(field: BoundField, legend: str) -> str:
    return (
        f'<fieldset class="filter-field"><legend>{escape(legend)}</legend>'
        f"{widget_markup(field)}{_errors(field.errors)}</fieldset>"
    )


def render(form: forms.Form, *, path: str, sort: str = "") -> SafeString:
    """The filter form of a page at `path`: a GET form, so every filtered view is a URL."""
    title = escape(gettext("Filters"))
    active = f" ({escape(gettext('active'))})" if form.is_filtered() else ""
    fields = "".join(_field(form[name]) for name in form.fields if name not in FIELDSETS)
    fieldsets = _fieldset(form["kind"], gettext("Kind")) + _fieldset(
        form["status"], gettext("Review status")
    )
    kept_sort = (
        f'<input type="hidden" name="sort" value="{escape(sort)}">'
        if sort and sort != "-date"
        else ""
    )
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<details class="filters"{" open" if form.is_bound else ""}>'
        f"<summary>{title}{active}</summary>"
        f'<form method="get" action="" class="filter-form" aria-label="{title}"'
        f' data-options="{escape(reverse("flights:filter_options"))}">'
        f"{_errors(form.non_field_errors())}"
        f'<div class="filter-grid">{fields}</div>'
        # Filled by static/js/filters.js from data-options when the form is first used.
        '<datalist id="country-names"></datalist><datalist id="airport-codes"></datalist>'
        f'<div class="filter-grid">{fieldsets}</div>{kept_sort}'
        f'<p class="filter-actions"><button type="submit">{escape(gettext("Apply filters"))}'
        f'</button> <a href="{escape(path)}">{escape(gettext("Clear"))}</a></p>'
        "</form></details>"
        f'<script src="{escape(static("js/filters.js"))}" defer></script>'
    )
