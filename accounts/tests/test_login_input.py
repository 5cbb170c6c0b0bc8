"""The login body read without the serializer (`plain_login_input`) is never looser than the serializer: where
it answers, it answers what the serializer gives; anything else goes to the serializer."""

from typing import Any

import pytest

from accounts.apis import LoginApi, plain_login_input

LONGEST_IDENTIFIER, LONGEST_PASSWORD = "i" * 254, "p" * 128

BODIES: list[Any] = [
    {"identifier": "bob", "password": "secret-1"},
    {"identifier": "  bob\t\n", "password": "  spaced password  "},
    {"identifier": "\u00a0bob\u2003", "password": "x"},  # Unicode spaces, trimmed as DRF trims them
    {"identifier": "B\u00f6b@Example.com", "password": "\u00e9\u20ac\U0001f600", "cookie": True},
    {"identifier": "bob", "password": "secret-1", "cookie": False, "extra": [1, 2]},
    {"identifier": LONGEST_IDENTIFIER, "password": LONGEST_PASSWORD},
    {"identifier": f"  {LONGEST_IDENTIFIER}  ", "password": LONGEST_PASSWORD},
    {"identifier": LONGEST_IDENTIFIER + "i", "password": "x"},
    {"identifier": "bob", "password": LONGEST_PASSWORD + "p"},
    {"identifier": "bob", "password": "   "},
    {"identifier": "   ", "password": "x"},
    {"identifier": "", "password": "x"},
    {"identifier": "bob", "password": ""},
    {"identifier": "bob\x00", "password": "x"},
    {"identifier": "bob", "password": "x\x00"},
    {"identifier": "bob\ud800", "password": "x"},
    {"identifier": "bob", "password": "\udfffx"},
    {"identifier": 12345, "password": "x"},
    {"identifier": 1.5, "password": 12345},
    {"identifier": True, "password": "x"},
    {"identifier": None, "password": "x"},
    {"identifier": ["bob"], "password": "x"},
    {"identifier": "bob", "password": "x", "cookie": "true"},
    {"identifier": "bob", "password": "x", "cookie": 1},
    {"identifier": "bob", "password": "x", "cookie": None},
    {"identifier": "bob"},
    {"password": "x"},
    {},
    [],
    ["bob", "x"],
    "bob",
    None,
]


def serializer_answer(body: Any) -> dict[str, Any] | None:
    serializer = LoginApi.LoginInputSerializer(data=body)
    return dict(serializer.validated_data) if serializer.is_valid() else None


@pytest.mark.parametrize("body", BODIES)
def test_plain_login_input_answers_as_the_serializer_or_leaves_the_body_to_it(body: Any) -> None:
    plain = plain_login_input(body)

    assert plain is None or plain == serializer_answer(body)


def test_plain_login_input_takes_the_bodies_clients_send() -> None:
    """Strings within their lengths and a boolean or no cookie: the serializer is not built for them."""
    taken = [body for body in BODIES if plain_login_input(body) is not None]

    assert len(taken) == 8
    assert all(serializer_answer(body) is not None for body in taken)
