"""The public surface hangs together: the root exports what its methods return, the
error tree errors.py draws is the real one, and Verify's names are not ValidationError's."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import typing
from collections.abc import Iterator

import pytest

import smsmngr
from smsmngr import errors
from smsmngr.bulk import BulkResult
from smsmngr.testing import FakeSmsManager

CLIENT_CLASSES = [smsmngr.AsyncClient, smsmngr.Client, smsmngr.AsyncVerify, smsmngr.Verify]
THREE = ["420777000001", "420777000002", "420777000003"]


def _classes_in(hint: object) -> Iterator[type]:
    if isinstance(hint, type):
        yield hint
    for argument in typing.get_args(hint):
        yield from _classes_in(argument)


def _returned(cls: type) -> Iterator[tuple[str, type]]:
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        if not callable(function):
            continue
        hint = typing.get_type_hints(function).get("return")
        for returned in _classes_in(hint):
            if returned.__module__.startswith("smsmngr"):
                yield f"{cls.__name__}.{name}", returned


@pytest.mark.parametrize("cls", CLIENT_CLASSES, ids=lambda cls: cls.__name__)
def test_the_root_exports_every_type_a_client_method_returns(cls: type) -> None:
    missing = {
        f"{method} -> {returned.__name__}"
        for method, returned in _returned(cls)
        if getattr(smsmngr, returned.__name__, None) is not returned
    }
    assert missing == set()


def test_the_root_exports_the_default_url_of_every_api_a_client_takes() -> None:
    parameters = inspect.signature(smsmngr.AsyncClient).parameters
    urls = [name for name in parameters if name.endswith("base_url")]
    assert urls == ["base_url", "rest_base_url", "verify_base_url"]
    for name in urls:
        value = getattr(smsmngr, f"DEFAULT_{name.upper()}")
        assert value.startswith("https://")
        assert f"DEFAULT_{name.upper()}" in smsmngr.__all__


def test_only_bad_input_is_named_validation_in_the_root() -> None:
    # The Verify API calls its sessions validations; the SDK keeps that word for
    # ValidationError, so that nobody catches one for the other.
    assert [name for name in smsmngr.__all__ if "Validation" in name] == ["ValidationError"]


def _tree() -> list[tuple[int, str, str]]:
    """(depth, class name, rest of the line) for each class the docstring tree draws."""
    drawn = []
    for line in (errors.__doc__ or "").splitlines():
        found = re.match(r"^ {4}([│ ]*)(?:[├└]── )?([A-Z]\w+Error)(.*)$", line)
        if found is None:
            continue
        depth = len(found.group(1)) // 4 + (0 if found.group(2) == "SmsManagerError" else 1)
        names, rest = [found.group(2)], found.group(3)
        while (more := re.match(r", (\w+Error)", rest)) is not None:
            names.append(more.group(1))
            rest = rest[more.end() :]
        drawn += [(depth, name, rest) for name in names]
    return drawn


def test_the_error_tree_errors_py_draws_is_the_hierarchy() -> None:
    drawn = _tree()
    parents: dict[int, str] = {}
    for depth, name, rest in drawn:
        cls = getattr(errors, name)
        parents[depth] = name
        if depth:
            assert issubclass(cls, getattr(errors, parents[depth - 1])), name
        for also in re.findall(r"\(also (\w+Error)\)", rest):
            assert issubclass(cls, getattr(errors, also)), (name, also)
    exported = {
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), errors.SmsManagerError)
    }
    assert exported == {name for _, name, _ in drawn}
    assert {name for name in smsmngr.__all__ if name.endswith("Error")} == exported


def test_too_many_attempts_means_start_again_not_wait() -> None:
    assert not issubclass(smsmngr.TooManyAttemptsError, smsmngr.RateLimitError)
    assert issubclass(smsmngr.TooManyAttemptsError, smsmngr.SessionEndedError)
    assert issubclass(smsmngr.SessionExpiredError, smsmngr.SessionEndedError)


def test_a_spent_session_raises_an_error_no_rate_limit_handler_takes() -> None:
    fake = FakeSmsManager()
    with fake.client() as client:
        started = client.verify.start(THREE[0])
        wrong = "000000" if fake.code_sent_to(THREE[0]) != "000000" else "111111"
        for _ in range(6):
            with pytest.raises(smsmngr.InvalidCodeError):
                client.verify.check(started.token, wrong)
        with pytest.raises(smsmngr.SessionEndedError) as caught:
            client.verify.check(started.token, wrong)
    assert type(caught.value) is smsmngr.TooManyAttemptsError
    assert not isinstance(caught.value, smsmngr.RateLimitError)
    assert caught.value.status_code == 429


def test_result_belongs_to_the_errors_a_campaign_raises() -> None:
    assert "result" not in vars(smsmngr.SmsManagerError)
    assert not hasattr(smsmngr.TransportError("unreachable"), "result")
    carrying = {smsmngr.ValidationError, smsmngr.JournalError, smsmngr.BulkStoppedError}
    for cls in carrying:
        assert issubclass(cls, errors.CarriesBulkResult)
    hints = typing.get_type_hints(errors.CarriesBulkResult, localns={"BulkResult": BulkResult})
    assert hints["result"] == BulkResult | None


def test_an_sdk_error_from_the_input_stops_the_campaign_with_its_result() -> None:
    def messages() -> Iterator[smsmngr.Message]:
        yield smsmngr.Message("Hi", to=THREE)
        raise smsmngr.TransportError("the CRM's own call failed")

    fake = FakeSmsManager()
    with fake.client() as client, pytest.raises(smsmngr.BulkStoppedError) as caught:
        client.send_bulk(messages())
    assert isinstance(caught.value.__cause__, smsmngr.TransportError)
    assert caught.value.result is not None
    assert caught.value.result.accepted == fake.ledger.accepted_count == 3


def test_the_field_names_errors_py_promises_are_the_ones_models_give() -> None:
    promised = re.findall(r'``"(\w+\.[\w.\[\]]+)"``', smsmngr.ValidationError.__doc__ or "")
    assert promised == ["Message.to[3]", "Message.flow[1].sender"]
    with pytest.raises(smsmngr.ValidationError) as to:
        smsmngr.Message("Hi", to=[*THREE, 5])  # type: ignore[list-item]
    with pytest.raises(smsmngr.ValidationError) as flow:
        smsmngr.Message("Hi", to=THREE[:1], flow=[smsmngr.Sms(), smsmngr.Viber()])
    assert [to.value.field, flow.value.field] == promised


def test_importing_the_package_loads_no_http_stack_and_no_api_area() -> None:
    # What a command needs is loaded when it needs it: the first public name asked for.
    code = (
        "import json, sys, smsmngr\n"
        "first = sorted(m for m in sys.modules if m.startswith(('smsmngr.', 'httpx')))\n"
        "smsmngr.AsyncClient\n"
        "print(json.dumps([first, 'httpx' in sys.modules, 'smsmngr._whatsapp' in sys.modules]))"
    )
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, check=True, timeout=60).stdout
    first, httpx_then, areas_then = json.loads(out)
    assert [
        m for m in first if m.startswith(("httpx", "smsmngr._async_client", "smsmngr.bulk"))
    ] == []
    assert (httpx_then, areas_then) == (True, True)


def test_every_public_name_and_submodule_is_reachable_from_the_package() -> None:
    import smsmngr
    import smsmngr.upload

    assert smsmngr.upload.UploadResult is smsmngr.UploadResult
    assert set(smsmngr.__all__) <= set(dir(smsmngr))
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        smsmngr.nothing_here  # noqa: B018
