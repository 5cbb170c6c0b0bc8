"""No stored object keeps the seller's metadata (GPS position, camera serial, owner name: EXIF, XMP, IPTC,
text chunks), and every one keeps the ICC colour profile. Each object is read back from the real bucket."""

import io
import struct
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from images.models import PendingDeletion
from shops.models import Product, ProductImage
from shops.tests.factories import ProductFactory
from shops.tests.stored_images import split_keys

pytestmark = pytest.mark.django_db

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
SERIAL = "SN-4711-PRIVATE"
OWNER = "Jane Owner"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Jane Owner</dc:creator></x:xmpmeta>'
XMP_NAMESPACE = b"http://ns.adobe.com/xap"
IPTC_SIGNATURE = b"Photoshop 3.0"
GPS_IFD = 0x8825
BODY_SERIAL_NUMBER = 0xA431
ORIENTATION = 0x0112
# What must not be anywhere in a stored object's bytes.
SECRETS = [SERIAL.encode(), OWNER.encode(), XMP_NAMESPACE, IPTC_SIGNATURE, b"xmpmeta"]


@pytest.fixture
def product(user: Any) -> Product:
    return ProductFactory(shop__owner=user, shop__slug="private-shop", name="Vase", slug="vase")


def exif_with_gps_and_serial(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[BODY_SERIAL_NUMBER] = SERIAL
    exif[0x013B] = OWNER  # Artist
    if orientation != 1:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (52.0, 31.0, 12.5)  # GPSLatitude
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    return exif


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def photo(size: tuple[int, int] = (1000, 750)) -> Image.Image:
    return Image.effect_noise(size, 40).convert("RGB")


def jpeg_with_metadata(orientation: int = 1) -> bytes:
    buffer = io.BytesIO()
    photo().save(buffer, format="JPEG", exif=exif_with_gps_and_serial(orientation).tobytes(), icc_profile=ICC)
    data = buffer.getvalue()
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)
    # IPTC-IIM in a Photoshop resource block: record 2, dataset 80 (By-line) = the owner's name.
    by_line = b"\x1c\x02\x50" + struct.pack(">H", len(OWNER)) + OWNER.encode()
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(by_line)) + by_line
    iptc = jpeg_segment(0xED, IPTC_SIGNATURE + b"\x00" + resource)
    comment = jpeg_segment(0xFE, f"Shot by {OWNER}".encode())
    return data[:2] + xmp + iptc + comment + data[2:]


def png_with_metadata(orientation: int = 1) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER)
    info.add_itxt("XML:com.adobe.xmp", (b"http://ns.adobe.com/xap/1.0/ " + XMP).decode())
    buffer = io.BytesIO()
    exif = exif_with_gps_and_serial(orientation).tobytes()
    photo((600, 400)).save(buffer, format="PNG", pnginfo=info, exif=exif, icc_profile=ICC)
    return buffer.getvalue()


def webp_with_metadata() -> bytes:
    buffer = io.BytesIO()
    photo((600, 400)).save(
        buffer,
        format="WEBP",
        exif=exif_with_gps_and_serial().tobytes(),
        xmp=b"http://ns.adobe.com/xap/1.0/ " + XMP,
        icc_profile=ICC,
    )
    return buffer.getvalue()


def upload(client: Any, product: Product, data: bytes) -> Any:
    url = f"/api/v1/shops/{product.shop_id}/products/{product.id}/images/upload/"
    return client.post(url, {"file": SimpleUploadedFile("IMG_0001", data)}, format="multipart")


def assert_carries_no_metadata_but_the_icc_profile(data: bytes, *, exif: dict[int, Any] | None = None) -> None:
    for secret in SECRETS:
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        stored_exif = image.getexif()
        assert dict(stored_exif) == (exif or {})
        assert stored_exif.get_ifd(GPS_IFD) == {}
        assert image.info["icc_profile"] == ICC
        unexpected = {"xmp", "XML:com.adobe.xmp", "Author", "comment"} | ({"exif"} if exif is None else set())
        assert unexpected.isdisjoint(image.info)


def test_the_source_files_do_carry_the_metadata() -> None:
    """The inputs of the tests below: without this, a passing test could prove nothing."""
    for data in (jpeg_with_metadata(), png_with_metadata(), webp_with_metadata()):
        assert SERIAL.encode() in data
        assert XMP_NAMESPACE in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.getexif().get_ifd(GPS_IFD)[2] == (52.0, 31.0, 12.5)
            assert image.getexif()[BODY_SERIAL_NUMBER] == SERIAL
            assert image.info["icc_profile"] == ICC
    assert IPTC_SIGNATURE in jpeg_with_metadata()
    assert b"Author" in png_with_metadata()


@pytest.mark.parametrize(
    ("make", "extension", "widths"),
    [
        pytest.param(jpeg_with_metadata, "jpg", [160, 480, 960], id="jpeg"),
        pytest.param(png_with_metadata, "png", [160, 480], id="png"),
        pytest.param(webp_with_metadata, "webp", [160, 480], id="webp"),
    ],
)
def test_no_stored_object_keeps_gps_serial_xmp_or_iptc_but_each_keeps_the_icc_profile(
    owner_client: Any, product: Product, bucket: Any, make: Any, extension: str, widths: list[int]
) -> None:
    data = make()

    response = upload(owner_client, product, data)

    assert response.status_code == 201
    key, renditions = split_keys(bucket, extension, widths)
    original = bucket.get(key)
    assert_carries_no_metadata_but_the_icc_profile(original)
    for rendition_key in renditions.values():
        assert_carries_no_metadata_but_the_icc_profile(bucket.get(rendition_key))
    assert ProductImage.objects.get().size == len(original)
    assert PendingDeletion.objects.count() == 0


def test_a_jpeg_original_keeps_its_pixels_and_only_the_orientation_tag(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    data = jpeg_with_metadata(orientation=6)

    response = upload(owner_client, product, data)

    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (750, 1000)
    key, renditions = split_keys(bucket, "jpg", [160, 480])
    original = bucket.get(key)
    assert_carries_no_metadata_but_the_icc_profile(original, exif={ORIENTATION: 6})
    with Image.open(io.BytesIO(original)) as stored, Image.open(io.BytesIO(data)) as sent:
        assert stored.tobytes() == sent.tobytes()  # stripped losslessly, not re-encoded
    for width, rendition_key in renditions.items():
        rendition = bucket.get(rendition_key)
        assert_carries_no_metadata_but_the_icc_profile(rendition)
        with Image.open(io.BytesIO(rendition)) as image:
            assert image.size == (width, width * 4 // 3)


def test_a_png_with_an_orientation_is_stored_upright_without_metadata(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    response = upload(owner_client, product, png_with_metadata(orientation=6))

    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (400, 600)
    key, renditions = split_keys(bucket, "png", [160])
    original = bucket.get(key)
    assert_carries_no_metadata_but_the_icc_profile(original)
    with Image.open(io.BytesIO(original)) as stored:
        assert (stored.format, stored.size) == ("PNG", (400, 600))
    assert_carries_no_metadata_but_the_icc_profile(bucket.get(renditions[160]))


def test_the_later_pictures_of_a_multi_picture_jpeg_are_not_stored_with_their_exif(
    owner_client: Any, product: Product, bucket: Any
) -> None:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), (200, 0, 0)), Image.new("RGB", (40, 30), (0, 0, 200))
    # Pillow writes the EXIF into every picture, as phones do.
    first.save(buffer, format="MPO", save_all=True, append_images=[second], exif=exif_with_gps_and_serial())
    data = buffer.getvalue()
    assert data.count(SERIAL.encode()) == 2

    response = upload(owner_client, product, data)

    assert response.status_code == 201
    key, renditions = split_keys(bucket, "jpg", [40])
    for stored in (bucket.get(key), bucket.get(renditions[40])):
        assert SERIAL.encode() not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert (dict(image.getexif()), getattr(image, "n_frames", 1)) == ({}, 1)
