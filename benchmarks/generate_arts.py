"""Write a synthetic ARTS file (DATA.md §2 columns) of N rows: `python benchmarks/generate_arts.py
--rows 1000000 --out /tmp/arts_1m.csv`. Missions carry about 100 people over 1-4 segments, like
the released data; every value is made up (IDs are sequential numbers)."""

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

US = ["KAEX", "KHRL", "KIWA", "KBFI", "KELP", "KSAT", "KMIA", "KOMA", "KMSP", "KSAN", "KBRO"]
ABROAD = ["MGGT", "MHLM", "MSLP", "MMMX", "SEQM", "MDSD", "MHTG", "SKBO", "MROC", "MPTO"]
COUNTRIES = ["GUATEMALA", "HONDURAS", "EL SALVADOR", "MEXICO", "ECUADOR",
             "CHINA, PEOPLES REPUBLIC OF", "COLOMBIA", "DOMINICAN REPUBLIC", "NICARAGUA",
             "INDIA", "BRAZIL", "HAITI"]  # fmt: skip
BOOL = ["true", "false", "TRUE", "FALSE", "Y", "N", "1", "0"]


def generate(rows: int, out: Path, seed: int = 20101001) -> int:
    from flights.importers.arts import ARTS_COLUMNS

    rnd = random.Random(seed)
    start = dt.date(2010, 10, 1)
    written = 0
    mission = 1000
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(ARTS_COLUMNS)
        while written < rows:
            mission += 1
            day = start + dt.timedelta(days=rnd.randrange(3300))
            date = day.isoformat() if rnd.random() < 0.5 else f"{day.month}/{day.day}/{day.year}"
            pickups = rnd.sample(US, rnd.randint(1, 3))
            drops = rnd.sample(ABROAD + US, rnd.randint(1, 2))
            number = f"{pickups[0][1:]} {drops[0][1:]} {rnd.randint(1, 9)}"
            for _ in range(min(rnd.randint(40, 160), rows - written)):
                pu, do = rnd.choice(pickups), rnd.choice(drops)
                removal = do in ABROAD
                struck = rnd.random() < 0.03
                writer.writerow([
                    rnd.choice(["", "1A", "2B", "3"]), rnd.choice("MF"), "", "", "",
                    rnd.randint(1, 70), date, number, pu, do,
                    rnd.choice(BOOL[1::2]) if not struck else rnd.choice(BOOL[0::2]),
                    "Medical" if struck else "", "R" if removal else "T", "",
                    rnd.choice(COUNTRIES), rnd.choice(BOOL), 40, 1, 2019, 10,
                    rnd.choice(["C", "NC"]), "", "", 10_000_000 + written, mission,
                    "", "Airport", "City", "", "TX", "", "HOU", "Houston", "USA",
                    "", "Airport", "City", "", "", "", "", "", "Guatemala",
                ])  # fmt: skip
                written += 1
    return written


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/arts_1m.csv"))
    args = parser.parse_args()
    n = generate(args.rows, args.out)
    print(f"{n} rows, {args.out.stat().st_size / 1e6:.1f} MB → {args.out}")
