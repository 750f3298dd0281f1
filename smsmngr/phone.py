"""Phone number normalization, as the platform does it (concepts/phone-normalization):
formatting removed, then every leading zero.

The result is the number the platform will use, so journals and outcomes name it. A
national number (``0777 123 456`` becomes ``777123456``) gets the account's country
prefix on the server; send international numbers for recipients abroad, or give the
client a ``default_region`` (with the ``smsmngr[phone]`` extra) to have national
numbers read as a phone of that country would dial them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Protocol

from .errors import ConfigurationError, ValidationError

__all__ = [
    "PhoneNormalizer",
    "international_normalizer",
    "normalize_phone_number",
    "normalizer_for_region",
]

_FORMATTING = str.maketrans("", "", " \t\r\n-_./()")
_FORMATTING_CATEGORIES = frozenset({"Zs", "Pd"})  # every Unicode space and dash
_DIAL_SEPARATORS = ",;#*"
_TEL_SCHEME = "tel:"
MIN_DIGITS = 7
MAX_DIGITS = 15


def normalize_phone_number(number: str, *, field: str = "phone_number") -> str:
    """Return ``number`` as the platform normalizes it, or raise ``ValidationError``.

    Formatting goes (every Unicode space and dash, tabs and line breaks, ``_``, ``.``,
    ``/``, parentheses, a ``tel:`` scheme and a leading ``+``), then every leading zero
    (so ``00420…`` and ``+420…`` are the same number); what is left must be 7 to 15
    digits. What the platform would drop while keeping the digits after it is refused,
    since the message would go to another number: letters (``777 123 456 ext 12``),
    the dial-string separators ``,`` ``;`` ``#`` ``*`` and ``tel:`` parameters
    (``;ext=12``). Normalizing twice gives the same number.

    >>> normalize_phone_number("+420 (777) 123-456")
    '420777123456'
    >>> normalize_phone_number("tel:+420-777-123-456")
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
    digits = _without_formatting(number, field).removeprefix("+").lstrip("0")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise ValidationError(
            field, f"must have {MIN_DIGITS} to {MAX_DIGITS} digits, got {len(digits)} in {number!r}"
        )
    return digits


def all_normalized(numbers: Sequence[str]) -> bool:
    """Whether ``normalize_phone_number`` would return every one of ``numbers`` as it
    is, checked at C speed over the whole sequence (a bulk message's recipients are
    mostly so): ASCII digits, 7 to 15 of them, no leading zero. The packer's, not
    exported.

    >>> all_normalized(["420777123456", "420777654321"]), all_normalized(["0777123456"])
    (True, False)
    """
    try:
        joined = "".join(numbers)
    except TypeError:
        return False  # not all strings: each is judged, and refused, on its own
    # bytes.isdigit() knows ASCII digits only, and is ten times quicker than isdecimal().
    if not (numbers and joined.isascii() and joined.encode().isdigit()):
        return False
    lengths = set(map(len, numbers))
    if not (min(lengths) >= MIN_DIGITS and max(lengths) <= MAX_DIGITS):
        return False
    if len(lengths) == 1:  # all of one length: their first digits, sliced out at once
        return "0" not in joined[:: len(numbers[0])]
    # No number is empty, so the least starts with a 0 if any does.
    return min(numbers)[0] != "0"


def _without_formatting(number: str, field: str) -> str:
    """``number``'s ASCII digits after an optional ``+``, its formatting removed; what
    would make the platform read another number from it is refused, saying why."""
    text = number.strip()
    if text[: len(_TEL_SCHEME)].lower() == _TEL_SCHEME:
        text, separator, parameters = text[len(_TEL_SCHEME) :].partition(";")
        if separator:
            raise ValidationError(
                field,
                f"must not carry tel: URI parameters (';{parameters}'), got {number!r}: "
                + _another_number("the ';' and '='"),
            )
    text = text.translate(_FORMATTING)
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) not in _FORMATTING_CATEGORIES)
    digits = text.removeprefix("+")
    # isdecimal() alone would accept other scripts' digits, which no network routes.
    if digits.isascii() and digits.isdecimal():
        return text
    letters = "".join(c for c in digits if c.isalpha())
    if letters:
        raise ValidationError(
            field,
            f"must not hold letters ({letters!r}), got {number!r}: " + _another_number("them"),
        )
    separators = [c for c in digits if c in _DIAL_SEPARATORS]
    if separators:
        raise ValidationError(
            field,
            f"must not hold {separators[0]!r}, a dial-string separator (a pause or an "
            f"extension), got {number!r}: " + _another_number("it"),
        )
    raise ValidationError(field, f"must hold only digits after an optional '+', got {number!r}")


def _another_number(dropped: str) -> str:
    return f"the platform would drop {dropped} and keep the digits after, sending to another number"


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
        digits = _without_formatting(number, field)
        readings: list[Callable[[], phonenumbers.PhoneNumber]] = [
            lambda: phonenumbers.parse(digits, self.region)
        ]
        if digits.isdecimal() and not digits.startswith("0"):
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


def international_normalizer(region: str | None) -> PhoneNormalizer:
    """The normalizer for the Verify API, which wants the full international number and
    adds no account prefix to a national one.

    With a ``region``, ``normalizer_for_region(region)``: national numbers are read as
    that country's. Without one, a number starting with a single ``0`` (a national
    trunk prefix) is refused and, where the ``smsmngr[phone]`` extra is installed, so
    is a number that is not a valid international one by libphonenumber's number plans.

    >>> international_normalizer(None)("+420 777 123 456")
    '420777123456'
    """
    if region is not None:
        return normalizer_for_region(region)
    return _international_number


def _international_number(number: str, *, field: str = "phone_number") -> str:
    normalized = normalize_phone_number(number, field=field)
    digits = _without_formatting(number, field).removeprefix("+")
    if digits.startswith("0") and not digits.startswith("00"):
        raise ValidationError(
            field,
            f"must be an international number with its country code, got {number!r}: a "
            "single leading 0 is a national trunk prefix, and the Verify API adds no "
            "country to it (a client's default_region reads national numbers)",
        )
    try:
        import phonenumbers
    except ImportError:
        return normalized  # the number plans are not known without the extra
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse("+" + normalized, None))
    except phonenumbers.NumberParseException:
        valid = False
    if not valid:
        raise ValidationError(
            field, f"is not a valid international number (with its country code), got {number!r}"
        )
    return normalized
