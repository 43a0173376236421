"""The Python widget renderer writes exactly what Django's widget templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict

from flights.filters import FlightFilterForm
from flights.form_renderer import FastWidgets


class Everything(forms.Form):
    text = forms.CharField(
        widget=forms.TextInput(
            attrs={"placeholder": 'say "hi" <b>', "autofocus": True, "hidden": False}
        )
    )
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    number = forms.IntegerField()
    grouped = forms.ChoiceField(
        choices=[("", "none"), ("Group <1>", [("a", "A & a"), ("b", "B")]), ("c", "C")]
    )
    many = forms.MultipleChoiceField(
        choices=[("x", "X <x>"), ("y", "Y")],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "boxes"}),
    )
    radio = forms.ChoiceField(choices=[("1", "one"), ("2", "two")], widget=forms.RadioSelect)


def both_ways(form) -> list[tuple[str, str, str]]:
    fast, slow = FastWidgets(), DjangoTemplates()
    rendered = []
    for field in form:
        form.renderer = fast
        quick = str(field)
        form.renderer = slow
        rendered.append((field.name, quick, str(field)))
    return rendered


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": "<i>x</i>",
            "day": "2024-01-31",
            "number": "7",
            "grouped": "a",
            "many": ["x", "y"],
            "radio": "2",
        },
        {"text": "", "day": "not a date", "number": "x", "grouped": "zz"},
    ],
)
def test_every_kind_of_widget_renders_as_the_templates_do(data):
    for name, quick, template in both_ways(Everything(data)):
        assert quick == template, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "start=2024-01-01&kind=removal&kind=lateral&status=reported&synthetic=include",
        "start=bad&end=2020-01-01&country=%3Cb%3E",
    ],
)
def test_the_filter_form_renders_as_the_templates_do(reference_data, query):
    form = FlightFilterForm(QueryDict(query) if query else None)
    form.is_valid()
    assert isinstance(form.renderer, FastWidgets)
    for name, quick, template in both_ways(form):
        assert quick == template, name


def test_a_widget_it_does_not_know_goes_to_the_templates():
    form = forms.Form()
    form.fields["notes"] = forms.CharField(widget=forms.Textarea)
    form.renderer = FastWidgets()
    assert str(form["notes"]).startswith('<textarea name="notes" cols="40" rows="10"')
