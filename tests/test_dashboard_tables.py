"""The small tables of the analyst pages, written in Python (flights.dashboard_tables)."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation

from flights import dashboard_tables as tables

AEX = {"url": "/airports/KAEX/", "code": "AEX", "name": "Alexandria <Intl>", "n": 12345}
GUA = {"url": "/airports/MGGT/", "code": "GUA", "name": "La Aurora", "n": 7}


def test_route_rows_link_both_airports_and_escape_names_and_kinds():
    route = {"from": AEX, "to": GUA, "kind_label": "Removal & <b>", "n": 1234}
    html = tables.route_rows([route])
    assert html == (
        '<tr><td><a href="/airports/KAEX/">AEX</a> Alexandria &lt;Intl&gt;</td>'
        '<td><a href="/airports/MGGT/">GUA</a> La Aurora</td>'
        '<td>Removal &amp; &lt;b&gt;</td><td class="num">1,234</td></tr>'
    )


def test_numbers_are_grouped_in_the_pages_language_as_intcomma_groups_them():
    with translation.override("es"):
        html = tables.airport_rows([AEX])
        expected = intcomma(12345)
    assert expected != "12,345"
    assert f'<td class="num">{expected}</td>' in html


def test_country_rows_keep_the_filters_escaped_in_their_links():
    country = {"url": "/countries/CN/", "name": "China", "n": 3}
    html = tables.country_rows([country], "start=2024-01-01&synthetic=include")
    assert 'href="/countries/CN/?start=2024-01-01&amp;synthetic=include"' in html
    assert tables.country_rows([country], "").startswith('<tr><td><a href="/countries/CN/">')


def test_rankings_show_each_share_of_all_flights_as_widthratio_did():
    data = {
        "count": 8,
        "countries": [{"code": "GT", "name": "Guatemala", "n": 5}],
        "airports": [{"icao": "KAEX", "code": "AEX", "name": "Alexandria", "n": 1}],
        "operators": [{"name": "Avelo <Air>", "n": 0}],
    }
    rows = tables.overview_rankings(data, "kind=removal")
    assert rows["countries"] == (
        '<tr><td><a href="/countries/GT/?kind=removal">Guatemala</a></td>'
        '<td class="num">5</td><td class="num">62%</td></tr>'
    )
    # 1/8 is 12.5%: rounded half to even, as the template tag rounded it.
    assert '<a href="/airports/KAEX/">AEX</a> Alexandria</td>' in rows["airports"]
    assert '<td class="num">12%</td>' in rows["airports"]
    assert rows["operators"] == (
        '<tr><td>Avelo &lt;Air&gt;</td><td class="num">0</td><td class="num">0%</td></tr>'
    )
    assert tables.share(3, 0) == "0"


def test_destination_rows_name_the_next_airport_and_its_country():
    destination = {"icao": "MGGT", "code": "GUA", "name": "La Aurora", "country": "Guatemala"}
    html = tables.destination_rows([{**destination, "n": 2}])
    assert html == (
        '<tr><td><a href="/airports/MGGT/">GUA</a> La Aurora</td><td>Guatemala</td>'
        '<td class="num">2</td></tr>'
    )


def test_codes_in_links_are_quoted_as_reverse_quotes_them_and_escaped_once():
    from django.urls import reverse

    assert tables.url_maker("flights:airport_detail")("K<1>&") == reverse(
        "flights:airport_detail", args=["K<1>&"]
    )
    odd = {"icao": 'K"&', "code": "X", "name": "Odd", "country": "Nowhere", "n": 1}
    assert '<a href="/airports/K%22&amp;/">X</a>' in tables.destination_rows([odd])
