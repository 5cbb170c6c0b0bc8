"""The branding fields of a shop's mails in the owner's API: plain text values, checked (lengths, a sender name on
one line, no control characters); a refused change writes nothing."""

from typing import Any

import pytest

from shops.models import Shop

pytestmark = pytest.mark.django_db


def detail(shop: Shop) -> str:
    return f"/api/v1/shops/{shop.id}/"


def branding(shop: Shop) -> tuple[str, str, bool]:
    shop.refresh_from_db()
    return shop.mail_sender_name, shop.mail_footer, shop.mail_show_logo


def test_owner_sets_the_sender_name_footer_and_logo_switch(owner_client: Any, shop: Shop) -> None:
    body = {
        "mail_sender_name": "  Ann's Mugs  ",
        "mail_footer": "Free returns.\r\nSee you <soon>",
        "mail_show_logo": False,
    }

    response = owner_client.patch(detail(shop), body, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["mail_sender_name"], data["mail_footer"], data["mail_show_logo"]) == (
        "Ann's Mugs",
        "Free returns.\r\nSee you <soon>",
        False,
    )
    assert branding(shop) == ("Ann's Mugs", "Free returns.\r\nSee you <soon>", False)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"mail_sender_name": "Ann\r\nBcc: x@example.com"}, "Line breaks and control characters are not allowed."),
        ({"mail_sender_name": "Ann\u2028Mugs"}, "Line breaks and control characters are not allowed."),
        ({"mail_sender_name": "Ann\u202eMugs"}, "Line breaks and control characters are not allowed."),
        ({"mail_sender_name": "A" * 79}, "Ensure this field has no more than 78 characters."),
        ({"mail_footer": "Bell\x07"}, "Control characters other than line breaks are not allowed."),
        ({"mail_footer": "F" * 1001}, "Ensure this field has no more than 1000 characters."),
        ({"mail_show_logo": "perhaps"}, "Must be a valid boolean."),
    ],
)
def test_invalid_branding_is_refused_naming_the_field_and_nothing_is_written(
    owner_client: Any, shop: Shop, body: dict[str, Any], error: str
) -> None:
    response = owner_client.patch(detail(shop), body, format="json")

    assert response.status_code == 400
    [field] = body
    assert response.json() == {field: [error]}
    assert branding(shop) == ("", "", True)


def test_another_users_shop_branding_cannot_be_changed(other_client: Any, shop: Shop) -> None:
    response = other_client.patch(detail(shop), {"mail_sender_name": "Not yours"}, format="json")

    assert response.status_code == 404
    assert branding(shop) == ("", "", True)
