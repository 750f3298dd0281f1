import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smsmngr import ValidationError, normalize_phone_number


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
        ("0777 123 456", "0777123456"),  # a national number: the API normalizes it
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
        ("000012345678", "no country code starts with 0"),
        ("+0777123456", "no country code starts with 0"),
    ],
)
def test_refuses_numbers_breaking_the_rule(bad: str, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        normalize_phone_number(bad, field="to[2]")
    assert caught.value.field == "to[2]"


def test_refuses_non_strings_naming_the_type() -> None:
    with pytest.raises(ValidationError, match="must be a string, got int"):
        normalize_phone_number(420777123456)  # type: ignore[arg-type]


@example("000012345678")  # once normalized to "0012345678", then to "12345678"
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
