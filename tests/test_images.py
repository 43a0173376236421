"""Photos: only real JPEG/PNG within the size limit, stored without any metadata."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from flights.images import validate_and_strip
from flights.models import Sighting, SightingPhoto
from tests.test_sightings import sighting_post

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "navy")
    exif = Image.Exif()
    exif[0x010F] = "VolunteerPhone"  # Make
    exif[0x0131] = "Camera app 1.0"  # Software
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 19.0, 39.0), 3: "W", 4: (92.0, 32.0, 56.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"taken by Jane at the fence")
    return buffer.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_text("GPS", "31.3275,-92.5489")
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 255)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def upload(content: bytes, name: str, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_fixture_really_carries_gps_metadata():
    with Image.open(io.BytesIO(jpeg_with_gps())) as image:
        assert image.getexif().get_ifd(GPS_IFD)[1] == "N"
        assert image.info.get("comment") == b"taken by Jane at the fence"


def test_a_jpeg_is_stored_without_exif_gps_or_comment(client, reference_data, role_users):
    client.force_login(role_users["volunteer"])
    data = sighting_post(photos=upload(jpeg_with_gps(), "IMG_0001 Jane.jpg"))
    response = client.post(reverse("flights:sighting_add"), data)
    assert response.status_code == 302
    photo = SightingPhoto.objects.get()
    assert photo.sighting == Sighting.objects.get()
    assert "Jane" not in photo.image.name and photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as stored:
        raw = stored.read()
    assert b"VolunteerPhone" not in raw and b"Jane" not in raw and b"Exif" not in raw
    with Image.open(io.BytesIO(raw)) as image:
        assert image.format == "JPEG"
        assert (image.width, image.height) == (64, 48)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info


def test_a_png_is_stored_without_text_chunks():
    clean = validate_and_strip(upload(png_with_text(), "map.png", "image/png"))
    raw = clean.content.read()
    assert b"Jane Doe" not in raw and b"31.3275" not in raw
    with Image.open(io.BytesIO(raw)) as image:
        assert image.format == "PNG"
        assert image.text == {}
    assert clean.content_type == "image/png"


def test_a_non_image_is_refused_with_its_name(client, reference_data, role_users):
    client.force_login(role_users["volunteer"])
    fake = upload(b"%PDF-1.4 not a photo", "report.jpg")
    response = client.post(reverse("flights:sighting_add"), sighting_post(photos=fake))
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ['"report.jpg" is not a JPEG or PNG image.']
    assert Sighting.objects.count() == 0


def test_a_gif_is_refused_even_though_it_is_an_image():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "GIF")
    with pytest.raises(ValidationError) as error:
        validate_and_strip(upload(buffer.getvalue(), "anim.gif", "image/gif"))
    assert error.value.messages == ['"anim.gif" is not a JPEG or PNG image.']


def test_an_oversized_file_is_refused_with_the_limit(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    big = upload(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "huge.jpg")
    with pytest.raises(ValidationError) as error:
        validate_and_strip(big)
    assert error.value.messages == ['"huge.jpg" is 10.0\xa0MB; photos can be at most 10.0\xa0MB.']


def test_an_oversized_upload_through_the_form_keeps_nothing(
    client, reference_data, role_users, settings
):
    settings.PHOTO_MAX_UPLOAD_BYTES = 100
    client.force_login(role_users["volunteer"])
    response = client.post(
        reverse("flights:sighting_add"), sighting_post(photos=upload(jpeg_with_gps(), "a.jpg"))
    )
    assert response.status_code == 200
    [message] = response.context["form"].errors["photos"]
    assert message.startswith('"a.jpg" is ') and message.endswith(
        "photos can be at most 100\xa0bytes."
    )
    assert SightingPhoto.objects.count() == 0


def test_a_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_and_strip(upload(jpeg_with_gps()[:200], "cut.jpg"))
    assert error.value.messages == ['"cut.jpg" is not a JPEG or PNG image.']


def test_deleting_a_sighting_removes_its_photo_files(client, reference_data, role_users):
    client.force_login(role_users["volunteer"])
    client.post(
        reverse("flights:sighting_add"), sighting_post(photos=upload(jpeg_with_gps(), "a.jpg"))
    )
    photo = SightingPhoto.objects.get()
    storage, name = photo.image.storage, photo.image.name
    assert storage.exists(name)
    Sighting.objects.get().delete()
    assert not storage.exists(name)
