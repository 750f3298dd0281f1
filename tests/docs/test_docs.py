"""The documentation: every public name documented, nothing documented that is not
public, public names shown where users import them from, every relative link alive."""

from __future__ import annotations

import argparse
import ast
import doctest
import html
import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import smsmngr

from ..support import ROOT

REFERENCE = ROOT / "docs" / "reference"
PUBLIC_MODULES = [
    "smsmngr",
    "smsmngr.api_keys",
    "smsmngr.billing",
    "smsmngr.bulk",
    "smsmngr.cli",
    "smsmngr.credit",
    "smsmngr.errors",
    "smsmngr.integrations",
    "smsmngr.inbox",
    "smsmngr.limits",
    "smsmngr.lists",
    "smsmngr.models",
    "smsmngr.phone",
    "smsmngr.segments",
    "smsmngr.status",
    "smsmngr.upload",
    "smsmngr.verify",
    "smsmngr.whatsapp",
    "smsmngr.testing",
    "smsmngr.webhooks",
]


def _documented() -> dict[str, object]:
    """Each ``::: path`` of the reference pages, and the object it names."""
    documented = {}
    for page in sorted(REFERENCE.glob("*.md")):
        for path in re.findall(r"(?m)^::: (\S+)$", page.read_text()):
            module_name, _, name = path.rpartition(".")
            documented[path] = getattr(importlib.import_module(module_name), name)
    return documented


def test_every_public_name_is_documented_and_only_those() -> None:
    documented = _documented()
    documented_objects = [id(obj) for obj in documented.values()]
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        missing = [
            name for name in module.__all__ if id(getattr(module, name)) not in documented_objects
        ]
        assert missing == [], f"{module_name}: exported but not in docs/reference: {missing}"
    for path in documented:
        module_name, _, name = path.rpartition(".")
        assert name in importlib.import_module(module_name).__all__, f"{path} is not exported"


def test_the_top_level_exports_are_pinned() -> None:
    # Adding or removing a public name is a decision: this list changes with it.
    assert sorted(smsmngr.__all__) == sorted(
        [
            "DEFAULT_BASE_URL",
            "KEEP",
            "DEFAULT_REST_BASE_URL",
            "DEFAULT_VERIFY_BASE_URL",
            "APIError",
            "AcceptedItem",
            "AlreadyCancelledError",
            "InsufficientCreditError",
            "RefusedError",
            "AsyncClient",
            "AuthenticationError",
            "BadRequestError",
            "BatchOutcome",
            "BulkResult",
            "BulkStoppedError",
            "Callback",
            "Client",
            "ConfigurationError",
            "DeliveryUncertainError",
            "DeliveryWindow",
            "FlowStep",
            "Gateway",
            "JournalError",
            "Keep",
            "Message",
            "NotFoundError",
            "OutcomeStatus",
            "PermissionDeniedError",
            "RateLimitError",
            "Rcs",
            "RcsButton",
            "RcsCard",
            "Recipient",
            "RecipientOutcome",
            "Recipients",
            "RejectedItem",
            "ResponseFormatError",
            "RetryEvent",
            "RetryPolicy",
            "SendResult",
            "ServerError",
            "ScheduleCancelled",
            "SimpleSendResult",
            "Sms",
            "SmsManagerError",
            "SmsType",
            "TransportError",
            "TtlCondition",
            "ValidationError",
            "InvalidApiKeyError",
            "InvalidCodeError",
            "InvalidPhoneError",
            "MissingApiKeyError",
            "MissingFieldError",
            "PhoneRateLimitError",
            "TenantRateLimitError",
            "TooManyAttemptsError",
            "SessionEndedError",
            "SessionExpiredError",
            "SessionNotFoundError",
            "VerifyError",
            "VerifyInternalError",
            "Verify",
            "AsyncVerify",
            "VerificationSession",
            "Verification",
            "ProofCheck",
            "WhatsApp",
            "AsyncWhatsApp",
            "WhatsAppError",
            "WhatsAppAccount",
            "WhatsAppPhoneNumber",
            "PhoneNumberCheck",
            "MessageTemplate",
            "TemplateComponent",
            "TemplateCreated",
            "TemplateTestResult",
            "WhatsAppOutcome",
            "WhatsAppSignup",
            "WhatsAppRegistration",
            "MessageAnalytics",
            "MessageDataPoint",
            "ConversationAnalytics",
            "ConversationDataPoint",
            "TemplateAnalytics",
            "TemplateStats",
            "TemplateDataPoint",
            "TemplateButtonClicks",
            "MessageStatus",
            "MessageRow",
            "RequestStats",
            "DailyStats",
            "Credit",
            "PriceList",
            "Price",
            "ReconcileResult",
            "Status",
            "AsyncStatus",
            "Account",
            "AsyncAccount",
            "ApiKeys",
            "AsyncApiKeys",
            "ApiKey",
            "Masked",
            "KeyInfo",
            "KeySender",
            "CreatedKey",
            "CallbackChange",
            "Integrations",
            "AsyncIntegrations",
            "PartnerSignup",
            "ConnectorResult",
            "ConnectorSegment",
            "ConnectorSender",
            "PreflightError",
            "PreflightWarning",
            "PreflightProblem",
            "Billing",
            "AsyncBilling",
            "BillingDetails",
            "BillingContact",
            "Invoice",
            "TopUp",
            "CreditAlert",
            "Service",
            "ServiceCancellation",
            "ServiceCatalog",
            "ServiceOrder",
            "ServicePrice",
            "ContactList",
            "AsyncContactList",
            "ListEntry",
            "AddedNumbers",
            "RemovedNumbers",
            "Inbox",
            "AsyncInbox",
            "InboxMessage",
            "InvalidNumbersError",
            "ListNotFoundError",
            "Viber",
            "ViberButton",
            "UploadResult",
            "WebhookError",
            "Weekday",
            "WhatsAppButton",
            "WhatsAppMedia",
            "WhatsAppTemplate",
            "WhatsAppText",
            "__version__",
            "fastest_http_stack",
            "normalize_phone_number",
        ]
    )


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_exported_classes_show_a_public_module(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        value = getattr(module, name)
        if isinstance(value, type) and value.__module__.startswith("smsmngr"):
            shown = value.__module__
            assert not any(part.startswith("_") for part in shown.split(".")), (name, shown)
            assert getattr(importlib.import_module(shown), name) is value  # and it is there


def test_a_traceback_names_the_public_class() -> None:
    with pytest.raises(smsmngr.JournalError) as caught:
        raise smsmngr.JournalError("in use")
    assert caught.exconly() == "smsmngr.errors.JournalError: in use"
    assert repr(smsmngr.BulkResult) == "<class 'smsmngr.bulk.BulkResult'>"
    assert repr(smsmngr.AsyncClient) == "<class 'smsmngr.AsyncClient'>"


def _modules() -> list[ModuleType]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(smsmngr.__path__, "smsmngr.")
        if not info.name.endswith("__main__")
    ] + [smsmngr]


def test_every_docstring_example_is_still_found_by_doctest() -> None:
    # Classes shown under a package's name are looked for there by doctest: none of
    # their examples may drop out of the suite unnoticed.
    found = {
        test.name
        for module in _modules()
        for test in doctest.DocTestFinder().find(module)
        if test.examples
    }
    written = 0
    for path in (ROOT / "smsmngr").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                written += ">>> " in (ast.get_docstring(node) or "")
    assert len(found) == written


def test_relative_links_in_the_readme_and_docs_lead_somewhere() -> None:
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def _install_commands(text: str) -> list[str]:
    """The arguments of each ``pip install`` written in ``text``."""
    return re.findall(r"pip install ([^\n`&;|#]*)", text)


def _index_requirement(argument: str) -> bool:
    """Whether ``argument`` asks an index for smsmngr (not a path to a checkout)."""
    return re.fullmatch(r"""["']?smsmngr(\[[^\]]*\])?\S*?["']?""", argument) is not None


def test_no_install_command_asks_an_index_for_the_unpublished_package() -> None:
    # smsmngr is not on PyPI yet: "pip install smsmngr[...]" can only fail.
    pages = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").glob("*.py")]
    found = [
        f"{page.relative_to(ROOT)}: pip install {command}"
        for page in pages
        for command in _install_commands(page.read_text())
        if any(_index_requirement(argument) for argument in command.split())
    ]
    assert found == []


@pytest.mark.parametrize(
    ("command", "asks_an_index"),
    [
        ("smsmngr", True),
        ('"smsmngr[cli]"', True),
        ("'smsmngr[phone]' rich", True),
        ("smsmngr==1.0 starlette", True),
        ('-e ".[cli]"', False),
        ('"/path/to/smsmngr[cli]"', False),
        (". starlette uvicorn", False),
    ],
)
def test_an_install_from_an_index_is_told_from_one_from_a_checkout(
    command: str, asks_an_index: bool
) -> None:
    assert any(_index_requirement(argument) for argument in command.split()) is asks_an_index


# One field each model's reference must show in its signature, as the source writes it.
CONSTRUCTORS = {
    "Message": "scheduled_at: datetime | None = None",
    "Recipient": "phone_number: str",
    "Sms": "gateway: Gateway | str | None = None",
    "Viber": "buttons: tuple[ViberButton | Mapping[str, Any], ...]",
    "WhatsAppText": "preview: bool | None = None",
    "WhatsAppTemplate": "template_name: str",
    "Rcs": "card: RcsCard | Mapping[str, Any] | None = None",
    "Callback": "batch_size: int | None = None",
    "DeliveryWindow": "days: tuple[Weekday, ...] | None = None",
}


def _signatures(page: Path) -> dict[str, str]:
    """Each signature block of a built reference page, as text, by the name it starts with."""
    blocks = re.findall(r'class="doc-signature highlight">(.*?)</code>', page.read_text(), re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]
    return {text.split("(")[0].strip(): text for text in texts if "(" in text}


@pytest.mark.slow
def test_the_reference_shows_how_to_construct_each_model(tmp_path: Path) -> None:
    # attrs writes __init__ at run time, which static analysis does not see
    # (scripts/griffe_attrs.py shows it); Ruff, from the docs extra, lays it out.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)]
    built = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    signatures = _signatures(tmp_path / "reference" / "messages" / "index.html")
    for name, field in CONSTRUCTORS.items():
        assert name in signatures, f"no signature for {name}"
        assert field in signatures[name], f"{name}: {signatures[name]!r}"
    assert "Message(\n    body: str | None = None,\n    to: Recipients" in signatures["Message"]


def _commands(parser: argparse.ArgumentParser, prefix: str = "smsmngr") -> list[str]:
    """Every command of the command line, nested ones spelled out (``smsmngr journal show``)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                found += nested or [f"{prefix} {name}"]
    return found


def test_the_command_line_docs_show_every_command() -> None:
    from smsmngr.cli._app import parser

    commands = _commands(parser())
    assert "smsmngr journal reconcile" in commands
    assert "smsmngr verify check" in commands
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert [command for command in commands if command + " " not in text] == []
    assert "SMSMANAGER_API_HOST" in text  # how to aim it at the mock


def test_the_built_site_is_not_committed() -> None:
    ignore = ROOT / ".gitignore"
    if not ignore.exists():
        pytest.skip("a checkout's file: an sdist carries no .gitignore")
    assert "site/" in ignore.read_text(encoding="utf-8").split()  # mkdocs builds into site/
