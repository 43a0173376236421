"""Photo uploads: accept only real JPEG or PNG images, and store a re-encoded copy without metadata.

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
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}
# Larger than any phone camera; refuses decompression bombs before they eat the server's memory.
MAX_PIXELS = 60_000_000


@dataclass
class CleanImage:
    content: ContentFile
    content_type: str
    width: int
    height: int


def validate_and_strip(upload) -> CleanImage:
    """Check an uploaded file is a JPEG or PNG within the size limit; return a clean copy.

    Raises ValidationError with a message naming the file and what is wrong.
    """
    name = getattr(upload, "name", "photo")
    limit = settings.PHOTO_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            f'"{name}" is {filesizeformat(upload.size)}; photos can be at most '
            f"{filesizeformat(limit)}.",
            code="too_large",
        )
    not_an_image = ValidationError(f'"{name}" is not a JPEG or PNG image.', code="not_an_image")
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                image_format = probe.format
                if image_format not in ALLOWED_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(
                        f'"{name}" is {probe.width}×{probe.height} pixels; that is too large.',
                        code="too_many_pixels",
                    )
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                # Turn the picture the way the camera meant before the orientation tag goes.
                image = ImageOps.exif_transpose(image)
                pixels = _without_metadata(image, image_format)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    except Image.DecompressionBombWarning:
        raise ValidationError(f'"{name}" has too many pixels.', code="too_many_pixels") from None

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


def _without_metadata(image: Image.Image, image_format: str) -> Image.Image:
    """A new image holding only the pixels: a fresh `info` dict, so nothing is carried over."""
    if image_format == "JPEG":
        mode = "L" if image.mode in ("L", "1") else "RGB"
    else:
        mode = image.mode if image.mode in ("1", "L", "LA", "RGB", "RGBA") else "RGBA"
    converted = image.convert(mode)
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


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
