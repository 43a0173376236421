"""import_all checks the whole archive before writing, and a failed restore leaves nothing.

Reproduction (issue 13, item 12): a hostile member `media/../../escape.txt` was blocked, but only
after the rows were committed: the restored users stayed and a retry was refused ("database is
not empty"); a 1 MB zip expanding to 1 GiB was written out.
"""

import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import call_command

from flights.backup import RestoreError, import_all
from flights.models import Leg
from tests.test_backup import PHOTO, build_record, empty_the_database

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup(reference_data, tmp_path):
    """A real backup of a small record, and the database emptied as for a restore."""
    built = build_record()
    path = tmp_path / "backup.zip"
    call_command("export_all", path, stdout=io.StringIO())
    empty_the_database()
    default_storage.delete(built["photo"])
    return {"path": path, "photo": built["photo"], "legs": built["legs"]}


def altered(source, target, extra: dict[str, bytes] | None = None, drop=(), **replace) -> None:
    """A copy of the backup at `source` with members added, dropped or replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
        for name, content in (extra or {}).items():
            new.writestr(name, content)


def assert_nothing_restored(photo: str) -> None:
    assert User.objects.count() == 0
    assert Leg.objects.count() == 0
    assert not default_storage.exists(photo)


@pytest.mark.parametrize(
    "member",
    ["media/../../escape.txt", "media//etc/passwd", "media/a/./b.png", "media/a\\..\\b.png"],
)
def test_a_hostile_media_name_writes_nothing_and_a_retry_works(backup, tmp_path, member):
    hostile = tmp_path / "hostile.zip"
    altered(backup["path"], hostile, extra={member: b"gotcha"})
    with pytest.raises(RestoreError) as refused:
        import_all(hostile)
    assert str(refused.value) == f"{member!r} is not a safe media path"
    assert_nothing_restored(backup["photo"])
    assert not (tmp_path.parent / "escape.txt").exists()

    import_all(backup["path"])  # the retry: the database is still empty
    assert Leg.objects.count() == backup["legs"]


def test_an_unknown_member_is_refused_before_anything_is_written(backup, tmp_path):
    odd = tmp_path / "odd.zip"
    altered(backup["path"], odd, extra={"run.sh": b"rm -rf /"})
    with pytest.raises(RestoreError, match="'run.sh' is not part of a tracker backup"):
        import_all(odd)
    assert_nothing_restored(backup["photo"])


def test_a_zip_bomb_is_refused_before_anything_is_written(backup, tmp_path):
    bomb = tmp_path / "bomb.zip"
    altered(backup["path"], bomb, extra={"media/sightings/big.png": bytes(64 * 1024 * 1024)})
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("media/sightings/big.png").compress_size < 1024 * 1024
    with pytest.raises(RestoreError) as refused:
        import_all(bomb)
    assert str(refused.value).startswith("'media/sightings/big.png' expands from ")
    assert str(refused.value).endswith("to 67108864 bytes: more than any backup member compresses")
    assert_nothing_restored(backup["photo"])
    assert not default_storage.exists("sightings/big.png")


def test_the_whole_archive_is_bounded(backup, settings):
    settings.BACKUP_MAX_EXPANDED_BYTES = 2048
    with pytest.raises(RestoreError, match=r"the archive expands to \d+ bytes; the limit is 2048"):
        import_all(backup["path"])
    assert_nothing_restored(backup["photo"])


def test_a_media_file_larger_than_any_upload_is_refused(backup, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = settings.PHOTO_MAX_UPLOAD_BYTES = 1000
    large = tmp_path / "large.zip"
    altered(backup["path"], large, extra={"media/imports/x.csv": b"x" * 5000})
    with pytest.raises(RestoreError, match="is 5000 bytes; no uploaded file exceeds 1000"):
        import_all(large)


def test_a_failure_after_the_rows_rolls_back_rows_and_files_alike(backup, monkeypatch):
    real_save = default_storage.save
    saved: list[str] = []

    def save_then_fail(name, content, *args, **kwargs):
        saved.append(real_save(name, content, *args, **kwargs))
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", save_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_all(backup["path"])
    monkeypatch.undo()
    assert saved == [backup["photo"]]
    assert_nothing_restored(backup["photo"])

    import_all(backup["path"])
    with default_storage.open(backup["photo"], "rb") as handle:
        assert handle.read() == PHOTO


def test_media_files_are_in_place_when_the_rows_commit(backup, monkeypatch):
    from django.db import connection

    seen_in_transaction: list[bool] = []
    real_save = default_storage.save

    def recording_save(name, content, *args, **kwargs):
        seen_in_transaction.append(connection.in_atomic_block)
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", recording_save)
    import_all(backup["path"])
    assert seen_in_transaction == [True]
