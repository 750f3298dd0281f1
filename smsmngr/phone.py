"""Phone number normalization, as the platform does it (concepts/phone-normalization):
formatting removed, then every leading zero.

The result is the number the platform will use, so journals and outcomes name it. A
national number (``0777 123 456`` becomes ``777123456``) gets the account's country
prefix on the server; send international numbers for recipients abroad, or give the
client a ``default_region`` (with the ``smsmngr[phone]`` extra) to have national
numbers read as a phone of that country would dial them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .errors import ConfigurationError, ValidationError

__all__ = ["PhoneNormalizer", "normalize_phone_number", "normalizer_for_region"]

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


class PhoneNormalizer(Protocol):
    """What normalizes numbers for a client: ``normalize_phone_number``'s signature."""

    def __call__(self, number: str, *, field: str = ...) -> str: ...


def normalizer_for_region(region: str | None) -> PhoneNormalizer:
    """The normalizer of a client with ``default_region=region``.

    Without a region, ``normalize_phone_number``. With one (an ISO 3166 code such as
    ``"CZ"``; needs the ``smsmngr[phone]`` extra), numbers are read with libphonenumber's
    rules: a national number gets the region's country code, ``+`` and the region's
    international prefix (``00`` in most of Europe) start an international one, and a
    number valid as neither (by libphonenumber's number plans) is refused. Digits that
    are not a valid national number of the region but are a valid international one
    (``447911123456`` with ``"CZ"``) are read as international, as without a region.

    >>> normalize = normalizer_for_region("CZ")
    >>> normalize("777 123 456"), normalize("+44 7911 123456")
    ('420777123456', '447911123456')
    """
    if region is None:
        return normalize_phone_number
    try:
        import phonenumbers
    except ImportError:
        raise ConfigurationError(
            "default_region needs libphonenumber: install the phone extra "
            '(in a checkout: python -m pip install ".[phone]")'
        ) from None
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            "default_region", f"must be an ISO 3166 region code such as 'CZ', got {region!r}"
        )
    return _RegionNormalizer(region.upper())


class _RegionNormalizer:
    def __init__(self, region: str) -> None:
        self.region = region

    def __repr__(self) -> str:
        return f"<phone numbers of {self.region}>"

    def __call__(self, number: str, *, field: str = "phone_number") -> str:
        import phonenumbers

        if not isinstance(number, str):
            raise ValidationError(field, f"must be a string, got {type(number).__name__}")
        readings: list[Callable[[], phonenumbers.PhoneNumber]] = [
            lambda: phonenumbers.parse(number, self.region)
        ]
        digits = number.strip()
        if digits.isascii() and digits.isdecimal() and not digits.startswith("0"):
            readings.append(lambda: phonenumbers.parse("+" + digits, None))
        for read in readings:
            try:
                parsed = read()
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(parsed):
                international = phonenumbers.format_number(
                    parsed, phonenumbers.PhoneNumberFormat.E164
                )
                return international.removeprefix("+")
        raise ValidationError(
            field, f"is not a valid phone number in {self.region} or abroad, got {number!r}"
        )
