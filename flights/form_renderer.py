"""A form renderer that writes Django's plain widgets in Python, with the markup of Django's
own widget templates, and leaves every other template to the template engine.

The filter form is on every analyst page: its inputs, selects and checkboxes went through
about 60 template renders (one per option, each including attrs.html), some 8 ms of a cold page
measured against one `count(*)` (docs/benchmarks.md, "Analyst pages"). The output is the same
string character for character: tests/test_form_renderer.py renders each widget both ways.
"""

from html import escape

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape as _conditional_escape

_INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "date", "number", "email", "url", "search", "hidden")
}
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"
_CHECKBOXES = {
    "django/forms/widgets/checkbox_select.html",
    "django/forms/widgets/radio.html",
    "django/forms/widgets/multiple_input.html",
}
# Each includes input_option.html and adds a line break.
_CHOICE_INPUTS = {
    "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/radio_option.html",
}


def conditional_escape(value) -> str:
    """Django's conditional_escape, with plain strings (most values) escaped at once: its
    checks for __html__ cost more than the escaping, some forty times per widget."""
    if type(value) is str:
        return escape(value)
    return _conditional_escape(value)


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{conditional_escape(str(value))}"')
    return "".join(parts)


def input_markup(widget: dict) -> str:
    """input.html, from a widget's context."""
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


# An included template keeps the line break that ends its file; only the outermost render is
# stripped (BaseRenderer.render), hence the "\n"s below.


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>\n"
    )


def _choice_input(option: dict) -> str:
    """checkbox_option.html / radio_option.html: input_option.html and a line break."""
    if not option.get("wrap_label"):
        return f"{input_markup(option)}\n\n\n"
    target = option["attrs"].get("id")
    label_for = f' for="{conditional_escape(target)}"' if target else ""
    label = conditional_escape(option["label"])
    return f"<label{label_for}>{input_markup(option)}\n {label}</label>\n\n"


class FastWidgets(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is None or not self._handles(template_name, widget):
            return super().render(template_name, context, request)
        if template_name in _INPUTS:
            return input_markup(widget)
        if template_name == _SELECT:
            return select_markup(widget)
        return checkboxes_markup(widget)

    @staticmethod
    def _handles(template_name: str, widget: dict) -> bool:
        if template_name in _INPUTS:
            return True
        if template_name == _SELECT:
            expected = {_OPTION}
        elif template_name in _CHECKBOXES:
            expected = _CHOICE_INPUTS
        else:
            return False
        # Options drawn by other templates (a custom option widget) go to the engine.
        return all(
            option["template_name"] in expected
            for _group, options, _index in widget["optgroups"]
            for option in options
        )


def select_markup(widget: dict) -> str:
    """select.html, from a widget's context with its optgroups."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        parts.extend(f"\n  {_option(option)}" for option in options)
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def checkboxes_markup(widget: dict) -> str:
    """multiple_input.html (checkboxes, radios), from a widget's context with its optgroups."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{conditional_escape(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{conditional_escape(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        parts.extend(f"<div>\n    {_choice_input(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)
