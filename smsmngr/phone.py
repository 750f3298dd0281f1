"""Phone number normalization: the API's recommended form is E.164 digits without ``+``."""

from __future__ import annotations

from .errors import ValidationError

__all__ = ["normalize_phone_number"]

_SEPARATORS = str.maketrans("", "", " -.()\t")
MIN_DIGITS = 7
MAX_DIGITS = 15


def normalize_phone_number(number: str, *, field: str = "phone_number") -> str:
    """Return ``number`` as bare international digits, or raise ``ValidationError``.

    Spaces, dashes, dots and parentheses are removed, then a leading ``+`` or ``00``
    (after which no country code starts with 0); what is left must be 7 to 15 digits.
    Normalizing twice gives the same number.

    >>> normalize_phone_number("+420 (777) 123-456")
    '420777123456'
    """
    if not isinstance(number, str):
        raise ValidationError(field, f"must be a string, got {type(number).__name__}")
    if (
        number.isascii()
        and number.isdecimal()
        and MIN_DIGITS <= len(number) <= MAX_DIGITS
        and not number.startswith("00")
    ):
        return number  # already normalized: the common case in bulk sends
    digits = number.translate(_SEPARATORS)
    international = digits.startswith(("+", "00"))
    digits = digits[1:] if digits.startswith("+") else digits[2:] if international else digits
    if international and digits.startswith("0"):
        raise ValidationError(
            field, f"no country code starts with 0: {number!r} has a 0 after its prefix"
        )
    # isdecimal() alone would accept other scripts' digits, which no network routes.
    if not (digits.isascii() and digits.isdecimal()):
        raise ValidationError(field, f"must hold only digits after '+' or '00', got {number!r}")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise ValidationError(
            field, f"must have {MIN_DIGITS} to {MAX_DIGITS} digits, got {len(digits)} in {number!r}"
        )
    return digits
