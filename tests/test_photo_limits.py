"""Photo pixels are bounded before decoding; each photo is decoded once; MPO is a JPEG.

Reproduction (issue 13, item 6): five 7,745×7,745 PNGs of 233 KB each, under the old
60-megapixel limit, took 28.9 s and raised the server from 156 MB to 1.3 GB, each photo decoded
twice.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from flights.images import validate_and_strip
from flights.models import SightingPhoto
from tests.test_sightings import sighting_post


def png(size, mode="1") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def jpeg(size=(40, 30), colour="navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # 7,745×7,745 pixels, 60 megapixels, a few hundred kilobytes: the reported shape.
    return png((7745, 7745))


@pytest.fixture
def decodes(monkeypatch) -> list[int]:
    """How many times any picture is decoded (ImageFile.load with tiles still to read)."""
    calls: list[int] = []
    original = ImageFile.ImageFile.load

    def counting(self):
        if self.tile:
            calls.append(1)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return calls


def test_a_60_megapixel_png_is_refused_as_too_many_pixels_without_decoding(bomb, decodes):
    with pytest.raises(ValidationError) as error:
        validate_and_strip(upload(bomb, "big.png"))
    assert error.value.messages == [
        '"big.png" has too many pixels (7745×7745; at most 25 megapixels per photo).'
    ]
    assert decodes == []


def test_five_such_pngs_through_the_form_are_refused_and_nothing_is_decoded(
    client, reference_data, role_users, bomb, decodes
):
    client.force_login(role_users["volunteer"])
    photos = [upload(bomb, f"p{n}.png") for n in range(5)]
    response = client.post(reverse("flights:sighting_add"), sighting_post(photos=photos))
    assert response.status_code == 200
    assert len(response.context["form"].errors["photos"]) == 5
    assert all("too many pixels" in m for m in response.context["form"].errors["photos"])
    assert decodes == []
    assert SightingPhoto.objects.count() == 0


@pytest.mark.parametrize("content", [jpeg(), png((40, 30), "RGB")], ids=["jpeg", "png"])
def test_an_accepted_photo_is_opened_and_decoded_once(decodes, monkeypatch, content):
    opened: list[int] = []
    original = Image.open

    def counting_open(*args, **kwargs):
        opened.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(Image, "open", counting_open)
    validate_and_strip(upload(content, "one"))
    assert (len(opened), len(decodes)) == (1, 1)


def test_the_photos_of_one_sighting_are_bounded_in_total(settings):
    from flights.forms import PhotosField

    settings.PHOTO_MAX_PIXELS = 100 * 100
    settings.SIGHTING_MAX_TOTAL_PIXELS = 250 * 100
    files = [upload(png((100, 100), "RGB"), f"{n}.png") for n in range(3)]
    with pytest.raises(ValidationError) as error:
        PhotosField(required=False).clean(files)
    assert error.value.messages == [
        '"2.png" has too many pixels (100×100; this sighting\'s photos can hold 0.025 '
        "megapixels in all)."
    ]
    assert len(PhotosField(required=False).clean(files[:2])) == 2


def test_a_decompression_bomb_beyond_pillows_guard_says_too_many_pixels(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # the 2x guard now trips at 2,000
    monkeypatch.setattr("django.conf.settings.PHOTO_MAX_PIXELS", 10**9)
    with pytest.raises(ValidationError) as error:
        validate_and_strip(upload(png((100, 100)), "bomb.png"))
    assert error.value.messages == [
        '"bomb.png" has too many pixels (more than the server decodes).'
    ]


def test_a_multi_picture_jpeg_keeps_only_its_first_picture():
    buffer = io.BytesIO()
    first = Image.new("RGB", (40, 30), (255, 0, 0))
    second = Image.new("RGB", (20, 10), (0, 0, 255))
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    clean = validate_and_strip(upload(buffer.getvalue(), "phone.jpg"))
    assert (clean.content_type, clean.width, clean.height) == ("image/jpeg", 40, 30)
    stored = Image.open(io.BytesIO(clean.content.read()))
    assert stored.format == "JPEG"
    assert getattr(stored, "n_frames", 1) == 1
    red, green, blue = stored.getpixel((20, 15))
    assert red > 200 and blue < 60
