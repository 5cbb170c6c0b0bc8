"""Checks of the branding fields a seller sets for the shop's mails: plain text only, so a sender name can never
add a header line and a footer holds nothing but lines of text (they are put into our templates, escaped)."""

import unicodedata

from django.core.exceptions import ValidationError

FOOTER_LINE_BREAKS = frozenset("\n\r")
# Bidirectional overrides and isolates: they make a text display in another order than it reads.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _control_characters(value: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    # Cc: C0/C1 controls, line breaks among them; Zl/Zp: U+2028, U+2029 (line and paragraph separators).
    return any(
        (unicodedata.category(character) in {"Cc", "Zl", "Zp"} or character in BIDI_CONTROLS)
        and character not in allowed
        for character in value
    )


def validate_single_line(value: str) -> None:
    if _control_characters(value):
        raise ValidationError("Line breaks and control characters are not allowed.", code="control_characters")


def validate_mail_footer(value: str) -> None:
    if _control_characters(value, allowed=FOOTER_LINE_BREAKS):
        raise ValidationError("Control characters other than line breaks are not allowed.", code="control_characters")
