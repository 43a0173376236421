"""Photo uploads: accept only real JPEG or PNG images, and store a re-encoded copy without metadata.

Pixels are bounded per photo and per sighting (PHOTO_MAX_PIXELS, SIGHTING_MAX_TOTAL_PIXELS),
checked from the header before decoding, so a small file cannot make the server decode a
huge picture (see docs/security.md, "Photos").

Re-encoding from raw pixels drops EXIF (GPS position, camera serial, time), XMP, ICC and PNG text
chunks: nothing in the stored file can point back to the volunteer or where they stood.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}
# Multi-picture JPEGs (MPO), which phones write for depth or burst shots, are JPEGs whose first
# picture is the photo: it is kept, the others are dropped.
FORMAT_ALIASES = {"MPO": "JPEG"}


@dataclass
class CleanImage:
    content: ContentFile
    content_type: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def validate_and_strip(upload, pixels_left: int | None = None) -> CleanImage:
    """Check an uploaded file is a JPEG or PNG within the size limits; return a clean copy.

    The header is read first: a picture over PHOTO_MAX_PIXELS, or over what is left of the
    sighting's SIGHTING_MAX_TOTAL_PIXELS (`pixels_left`), is refused before a single pixel is
    decoded. An accepted picture is decoded once. Raises ValidationError with a message naming
    the file and what is wrong.
    """
    name = getattr(upload, "name", "photo")
    limit = settings.PHOTO_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _('"%(name)s" is %(size)s; photos can be at most %(limit)s.')
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    not_an_image = ValidationError(
        _('"%(name)s" is not a JPEG or PNG image.') % {"name": name}, code="not_an_image"
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = FORMAT_ALIASES.get(image.format, image.format)
                if image_format not in ALLOWED_FORMATS:
                    raise not_an_image
                _check_pixels(name, image.width, image.height, pixels_left)
                image.load()  # the one decode (an MPO's first picture)
                # Turn the picture the way the camera meant before the orientation tag goes.
                ImageOps.exif_transpose(image, in_place=True)
                pixels = _without_metadata(image, image_format)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, _("more than the server decodes")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None

    content_type, extension = ALLOWED_FORMATS[image_format]
    buffer = io.BytesIO()
    if image_format == "JPEG":
        pixels.save(buffer, "JPEG", quality=85, optimize=True)
    else:
        pixels.save(buffer, "PNG", optimize=True)
    return CleanImage(
        content=ContentFile(buffer.getvalue(), name=f"photo{extension}"),
        content_type=content_type,
        width=pixels.width,
        height=pixels.height,
    )


def _check_pixels(name: str, width: int, height: int, pixels_left: int | None) -> None:
    count = width * height
    if count > settings.PHOTO_MAX_PIXELS:
        raise _too_many_pixels(
            name,
            _("%(width)d×%(height)d; at most %(limit)s megapixels per photo")
            % {"width": width, "height": height, "limit": _megapixels(settings.PHOTO_MAX_PIXELS)},
        )
    if pixels_left is not None and count > pixels_left:
        raise _too_many_pixels(
            name,
            _("%(width)d×%(height)d; this sighting's photos can hold %(limit)s megapixels in all")
            % {
                "width": width,
                "height": height,
                "limit": _megapixels(settings.SIGHTING_MAX_TOTAL_PIXELS),
            },
        )


def _megapixels(count: int) -> str:
    return f"{count / 1_000_000:g}"


def _too_many_pixels(name: str, detail: str) -> ValidationError:
    return ValidationError(
        _('"%(name)s" has too many pixels (%(detail)s).') % {"name": name, "detail": detail},
        code="too_many_pixels",
    )


def _without_metadata(image: Image.Image, image_format: str) -> Image.Image:
    """The pixels in a new image with an empty `info`, so no metadata is carried over."""
    if image_format == "JPEG":
        mode = "L" if image.mode in ("L", "1") else "RGB"
    else:
        mode = image.mode if image.mode in ("1", "L", "LA", "RGB", "RGBA") else "RGBA"
    converted = image.convert(mode)  # always a new image, sharing nothing with the upload
    converted.info = {}
    return converted


def save_photo(upload, sighting):
    """Validate, re-encode and store one upload as a photo of the sighting."""
    from flights.models import SightingPhoto

    clean = validate_and_strip(upload)
    photo = SightingPhoto(
        sighting=sighting,
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        size=clean.content.size,
    )
    photo.image.save(clean.content.name, clean.content, save=False)
    photo.save()
    return photo
