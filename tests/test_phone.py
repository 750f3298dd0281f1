import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smsmngr import ValidationError, normalize_phone_number
from smsmngr.testing._rules import normalized_number


@pytest.mark.parametrize(
    ("given_number", "expected"),
    [
        ("420777123456", "420777123456"),
        ("+420777123456", "420777123456"),
        ("00420777123456", "420777123456"),
        ("+420 777 123 456", "420777123456"),
        ("(420) 777-123.456", "420777123456"),
        ("1234567", "1234567"),
        ("123456789012345", "123456789012345"),
        # concepts/phone-normalization.mdx: leading zeros go, whatever their number.
        ("0777 123 456", "777123456"),  # national: the server adds the account's prefix
        ("000012345678", "12345678"),
        ("+0777123456", "777123456"),
        ("420/777/123/456", "420777123456"),
    ],
)
def test_normalizes_documented_separators_and_prefixes(given_number: str, expected: str) -> None:
    assert normalize_phone_number(given_number) == expected


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        ("123456", "7 to 15 digits"),
        ("1234567890123456", "7 to 15 digits"),
        ("42077712345a", "only digits"),
        ("++420777123456", "only digits"),
        ("٤٢٠٧٧٧١٢٣٤٥٦", "only digits"),
        ("", "only digits"),
        ("0000123456", "7 to 15 digits"),
    ],
)
def test_refuses_numbers_breaking_the_rule(bad: str, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        normalize_phone_number(bad, field="to[2]")
    assert caught.value.field == "to[2]"


def test_refuses_non_strings_naming_the_type() -> None:
    with pytest.raises(ValidationError, match="must be a string, got int"):
        normalize_phone_number(420777123456)  # type: ignore[arg-type]


@example("000012345678")
@given(st.text(max_size=30) | st.from_regex(r"\A[+0 ()\-.]{0,4}[0-9 ]{0,18}\Z"))
def test_accepts_only_ascii_digits_and_is_idempotent(number: str) -> None:
    try:
        normalized = normalize_phone_number(number)
    except ValidationError:
        return
    assert normalized.isascii()
    assert normalized.isdigit()
    assert 7 <= len(normalized) <= 15
    assert normalize_phone_number(normalized) == normalized


@given(st.from_regex(r"\A[+]?[0 ()\-./]{0,4}[0-9 ]{0,18}\Z"))
def test_normalizes_as_the_platform_does(number: str) -> None:
    """The SDK's form is the server's (phone-normalization.mdx), so journals and
    outcomes name the number the platform uses."""
    try:
        normalized = normalize_phone_number(number)
    except ValidationError:
        assert normalized_number(number) is None
        return
    assert normalized == normalized_number(number)
