"""Numbers as the report pages print them: thousands separators, blanks where nothing compares."""

from html import escape

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import mark_safe

from flights import filter_form as filter_form_markup
from flights.dashboard_tables import grouped

register = template.Library()


@register.filter
def count_or_dash(value) -> str:
    """A count with separators; "—" when there is no such period (not the same as 0)."""
    return "—" if value is None else intcomma(value)


@register.filter
def change_pct(value) -> str:
    """A fraction as a signed percentage; blank when there is nothing to compare with."""
    return "" if value is None else f"{value:+.0%}"


@register.filter
def average(value) -> str:
    return "—" if value is None else intcomma(f"{value:.1f}")


@register.filter
def signed(value) -> str:
    return "" if value is None else f"{value:+,}"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value:.0%}"


@register.filter
def money(value) -> str:
    return "—" if value is None else f"${value:,.0f}"


@register.filter
def public_part(note: str) -> str:
    """A source note up to its first line of three dashes: what follows is for staff
    (contacts, how it was obtained) and is never shown on public pages (docs/dashboard.md)."""
    public = []
    for line in (note or "").splitlines():
        if line.strip() == "---":
            break
        public.append(line)
    return "\n".join(public).strip()


@register.simple_tag(takes_context=True)
def filter_form(context):
    """The page's filter form (flights.filter_form), keeping its sort order."""
    return filter_form_markup.render(
        context["form"], path=context["request"].path, sort=context.get("sort") or ""
    )


@register.filter
def series_rows(table, bucket: str = "month"):
    """The rows of series_table.html (one per month or week, a cell per kind), written in
    Python: years of weeks are thousands of cells, each an intcomma in a template loop."""
    number = grouped()
    shape = "%Y-%m-%d" if bucket == "week" else "%Y-%m"
    rows = []
    for row in table:
        cells = "".join(f'<td class="num">{escape(number(n))}</td>' for n in row["counts"])
        rows.append(
            f"<tr><td>{row['bucket']:{shape}}</td>{cells}"
            f'<td class="num">{escape(number(row["total"]))}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - numbers and dates only, escaped


@register.filter
def month_rows(months, columns: str):
    """<tr> rows of a "numbers behind this chart" table: the month (YYYY-MM), then a number
    per comma-separated key of `columns`; in Python, like series_rows (years of months are
    hundreds of date and intcomma calls in a template loop, 8 ms of a cold airport page)."""
    number = grouped()
    keys = columns.split(",")
    rows = []
    for month in months:
        cells = "".join(f'<td class="num">{escape(number(month[key]))}</td>' for key in keys)
        rows.append(f"<tr><td>{month['month']:%Y-%m}</td>{cells}</tr>")
    return mark_safe("".join(rows))  # noqa: S308 - numbers and dates only, escaped
