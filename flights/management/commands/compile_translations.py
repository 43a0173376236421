"""Compile locale/<lang>/LC_MESSAGES/*.po into the .mo files Django reads.

Babel does what GNU gettext's msgfmt does, so `make install` needs no system package. Fuzzy
entries are left out, as msgfmt leaves them out.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def compile_catalogues(paths: list[Path]) -> list[Path]:
    written = []
    for root in paths:
        for po in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
            try:
                with po.open("rb") as source:
                    catalogue = read_po(source, locale=po.parent.parent.name)
            except Exception as exc:  # noqa: BLE001 - Babel raises several kinds
                raise CommandError(f"{po}: {exc}") from None
            mo = po.with_suffix(".mo")
            with mo.open("wb") as target:
                write_mo(target, catalogue, use_fuzzy=False)
            written.append(mo)
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) with Babel."

    def handle(self, *args, **options):
        for mo in compile_catalogues([Path(p) for p in settings.LOCALE_PATHS]):
            self.stdout.write(f"compiled {mo}")
