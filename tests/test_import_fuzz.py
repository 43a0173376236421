"""Every importer on damaged bytes (issue 13, "the habit that finds the next one"): random cuts,
stray quotes, NUL bytes and other encodings never crash a run, and every row read is stored,
counted as a duplicate or rejected with its line."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flights.importers import import_path
from flights.models import RejectedRow

pytestmark = pytest.mark.usefixtures("reference_data")

FILES = {
    "flightlog": (
        "date,departure_time,arrival_time,from,to,tail_number,passengers,notes\n"
        "2024-03-30,14:05,15:40,KIWA,KELP,N123XX,21.0,first leg\n"
        '2024-03-30,16:30,18:55,KELP,MGGT,N123XX,20,"says ""about"" 20"\n'
        "2024-03-31,08:00,09:10,KAEX,KIAH,N456XX,,\n"
    ),
    "arts": (
        "MissionID|MissionNumber|MissionDate|PULOC|DropLoc|R-T|Juvenile|StrikeFromList|"
        "CountryOfCitizenship|air_AirportName\n"
        "9001|190053.0|10/1/2018|KAEX|MGGT|Removal|No||GUATEMALA|\n"
        "9001|190053.0|10/1/2018|(B)(7)(E) |MGGT|R|Yes||HONDURAS|Alexandria International "
        "Airport\n"
        '9002|190054|2018-10-02|KELP|KIAH|Transfer|0||"CHINA, PEOPLES REPUBLIC OF"|\n'
    ),
    "arts_missions": (
        ",MissionID,MissionNumber,MsnTailNumber,MissionDate,MsnStart,MsnStpOne,MsnEnd,"
        "ManifestedPassengers,StruckPassengers,msnFlightHoursActual,MissionTotalCost\n"
        "1,9001,190053.0,N802XX,2018-10-01,KAEX,(B)(7)(E) ,MGGT,125.0,5.0,4.5,64357.2\n"
        "2,9003,190055.0,(B)(7)(E) ,2018-10-03,KIAH,,KELP,30,0,2,(B)(4)\n"
    ),
    "stationlog": (
        "Date,Previous Airport,Next Airport,Arrive,Depart,Reg,Detainees On,Count Method\n"
        '"Tuesday, May 7, 2019",KIWA,KELP,09:40,10:30,N529XX,92,counted\n'
        "Wed Oct 1 2025,KAEX,KOMA,2025-10-01T16:58:00Z,2025-10-01T17:52:00Z,N289XX,30,estimate\n"
    ),
}


@st.composite
def damaged(draw, text: str) -> bytes:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = bytearray(text.encode(encoding))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "quote", "nul", "bytes", "newline"]))
        if kind == "cut":
            data = data[:at]
        elif kind == "quote":
            data[at:at] = b'"'
        elif kind == "nul":
            data[at:at] = b"\x00"
        elif kind == "newline":
            data[at:at] = draw(st.sampled_from([b"\n", b"\r", b"\r\n"]))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=6))
    return bytes(data)


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_damaged_files_never_crash_and_every_row_is_accounted_for(fmt, tmp_path):
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=damaged(FILES[fmt]))
    def check(data):
        path = tmp_path / "upload.csv"
        path.write_bytes(data)
        run = import_path(fmt, path, station="KYKM")

        assert not run.error.startswith("internal error"), run.error
        if run.status == "failed":
            assert run.error
            return
        assert run.rows == run.accepted + run.duplicates + run.rejected
        rejected = RejectedRow.objects.filter(run=run)
        assert rejected.values("line").distinct().count() == run.rejected
        assert all(line >= 1 for line in rejected.values_list("line", flat=True))

    check()
