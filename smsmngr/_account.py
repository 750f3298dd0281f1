"""The account's country, as the client option ``account_country`` names it: the
calling code the platform gives national numbers sent without one
(concepts/phone-normalization.mdx)."""

from __future__ import annotations

from .errors import ConfigurationError, ValidationError

__all__ = ["calling_code"]

_NEAR: dict[str, int] = {
    "AT": 43,
    "CZ": 420,
    "DE": 49,
    "GB": 44,
    "HU": 36,
    "PL": 48,
    "RO": 40,
    "SK": 421,
    "UA": 380,
    "US": 1,
}
"""Countries known without libphonenumber: the platform's home market and its neighbours."""


def calling_code(country: str | None) -> str | None:
    """The calling code of ``country`` (an ISO 3166 code), or ``None`` for no country.

    The countries of ``_NEAR`` need nothing more; any other needs the ``smsmngr[phone]``
    extra, whose libphonenumber knows every country's.

    >>> calling_code("cz"), calling_code(None)
    ('420', None)
    """
    if country is None:
        return None
    if not isinstance(country, str) or not country.isascii() or len(country) != 2:
        raise ValidationError(
            "account_country", f"must be an ISO 3166 country code such as 'CZ', got {country!r}"
        )
    region = country.upper()
    if region in _NEAR:
        return str(_NEAR[region])
    try:
        import phonenumbers
    except ImportError:
        raise ConfigurationError(
            f"account_country={country!r} needs libphonenumber: install the phone extra "
            '(in a checkout: python -m pip install ".[phone]")'
        ) from None
    code = 0
    if region in phonenumbers.SUPPORTED_REGIONS:
        code = phonenumbers.country_code_for_region(region)
    if not code:
        raise ValidationError(
            "account_country", f"must be an ISO 3166 country code such as 'CZ', got {country!r}"
        )
    return str(code)
