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
        ("42077712345a", "letters"),
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


@pytest.mark.parametrize(
    "given_number",
    [
        "+420\u00a0777\u00a0123\u00a0456",  # no-break spaces, as spreadsheets write them
        "420\u2009777\u202f123\u3000456",  # thin, narrow no-break and ideographic spaces
        "420777123456\r\n",
        "\t420 777 123 456",
        "420\n777\n123\n456",
        "420_777_123_456",
        "420\u2013777\u2014123\u2010456",  # en dash, em dash, hyphen
        "+420\u2011777\u2011123\u2011456",  # non-breaking hyphens
        "tel:+420-777-123-456",  # RFC 3966, as CRM exports and web pages write numbers
        "TEL:+420.777.(123).456",
        " tel:00420777123456",
    ],
)
def test_strips_every_space_and_dash_and_reads_tel_uris(given_number: str) -> None:
    assert normalize_phone_number(given_number) == "420777123456"


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("777 123 456 ext 12", "letters ('ext')"),
        ("777123456 x12", "letters ('x')"),
        ("Call me", "letters ('Callme')"),
        ("777 123 456;12", "';', a dial-string separator"),
        ("777 123 456,,12", "',', a dial-string separator"),
        ("*31#420777123456", "'*', a dial-string separator"),
        ("420777123456#", "'#', a dial-string separator"),
        ("tel:+420-777-123-456;ext=12", "tel: URI parameters (';ext=12')"),
        ("tel:777123456;phone-context=+420", "tel: URI parameters (';phone-context=+420')"),
    ],
)
def test_refuses_what_the_platform_would_send_to_another_number(bad: str, named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone_number(bad, field="to[1]")
    assert caught.value.field == "to[1]"
    assert named in caught.value.rule
    assert "sending to another number" in caught.value.rule


_FORMATTING = st.characters(categories=("Zs", "Pd")) | st.sampled_from("\t\r\n_./()")


@given(
    st.from_regex(r"\A\+?[1-9][0-9]{6,14}\Z"),
    st.lists(st.tuples(st.integers(0, 16), _FORMATTING), max_size=6),
)
def test_formatting_anywhere_leaves_the_number_as_it_was(
    number: str, insertions: list[tuple[int, str]]
) -> None:
    formatted = number
    for position, character in insertions:
        formatted = formatted[:position] + character + formatted[position:]
    assert normalize_phone_number(formatted) == number.removeprefix("+")


_NUMBERISH = st.sampled_from("0123456789+-()./_ \t\r\n,;#*extTEL:=\u00a0\u2009\u2013")


@given(st.text(_NUMBERISH, max_size=24) | st.text(_NUMBERISH, max_size=20).map("tel:".__add__))
def test_a_number_accepted_is_the_one_the_platform_reads(number: str) -> None:
    """Whatever the SDK accepts, the platform reads as the same number: nothing it
    drops while keeping the digits after (letters, separators) gets through."""
    try:
        normalized = normalize_phone_number(number)
    except ValidationError:
        return
    assert normalized == normalized_number(number)


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
