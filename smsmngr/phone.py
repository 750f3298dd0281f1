"""Phone number normalization, as the platform does it (concepts/phone-normalization):
formatting removed, then every leading zero.

The result is the number the platform will use, so journals and outcomes name it. A
national number (``0777 123 456`` becomes ``777123456``) gets the account's country
prefix on the server; send international numbers for recipients abroad.
"""

from __future__ import annotations

from .errors import ValidationError

__all__ = ["normalize_phone_number"]

_SEPARATORS = str.maketrans("", "", " -.()/\t")
MIN_DIGITS = 7
MAX_DIGITS = 15


def normalize_phone_number(number: str, *, field: str = "phone_number") -> str:
    """Return ``number`` as the platform normalizes it, or raise ``ValidationError``.

    Spaces, dashes, dots, slashes, parentheses and a leading ``+`` are removed, then
    every leading zero (so ``00420…`` and ``+420…`` are the same number); what is left
    must be 7 to 15 digits. Letters and other characters are refused: such input can
    never be a number. Normalizing twice gives the same number.

    >>> normalize_phone_number("+420 (777) 123-456")
    '420777123456'
    >>> normalize_phone_number("00420 777 123 456")
    '420777123456'
    """
    if not isinstance(number, str):
        raise ValidationError(field, f"must be a string, got {type(number).__name__}")
    if (
        number.isascii()
        and number.isdecimal()
        and MIN_DIGITS <= len(number) <= MAX_DIGITS
        and number[0] != "0"
    ):
        return number  # already normalized: the common case in bulk sends
    digits = number.translate(_SEPARATORS)
    digits = digits[1:] if digits.startswith("+") else digits
    # isdecimal() alone would accept other scripts' digits, which no network routes.
    if not (digits.isascii() and digits.isdecimal()):
        raise ValidationError(field, f"must hold only digits after an optional '+', got {number!r}")
    digits = digits.lstrip("0")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise ValidationError(
            field, f"must have {MIN_DIGITS} to {MAX_DIGITS} digits, got {len(digits)} in {number!r}"
        )
    return digits
