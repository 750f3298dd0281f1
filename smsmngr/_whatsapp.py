"""``client.whatsapp``: the WhatsApp Business API's operations (the public module is
``smsmngr.whatsapp``; arguments are checked by ``_whatsapp_args``, answers read by
``_whatsapp_types``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Collection, Iterable, Mapping
from typing import Any, Literal, TypeVar

from . import _whatsapp_args as arg
from . import _whatsapp_types as typed
from ._reading import mapping
from ._rest import RestResource, nonempty
from ._whatsapp_args import Moment
from ._whatsapp_types import (
    ConversationAnalytics,
    MessageAnalytics,
    MessageTemplate,
    PhoneNumberCheck,
    TemplateAnalytics,
    TemplateComponent,
    TemplateCreated,
    TemplateTestResult,
    WhatsAppAccount,
    WhatsAppOutcome,
    WhatsAppPhoneNumber,
    WhatsAppRegistration,
    WhatsAppSignup,
)
from .errors import AuthenticationError, BadRequestError, ValidationError

__all__ = ["AsyncWhatsApp"]

_T = TypeVar("_T")


class AsyncWhatsApp(RestResource):
    """The WhatsApp Business API on a client's key and connections: ``client.whatsapp``.
    ``token`` is a signup token from ``signup()``: the other way to authenticate."""

    async def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        read: Callable[[Any], _T],
        *,
        repeat: bool,
        field: str | None = None,
        answers: Collection[str] | None = (),
    ) -> _T:
        """``POST path`` and ``read`` of the answer (of its ``field``); ``success: false``
        raises ``WhatsAppError``, but with a message of ``answers`` (``None``: any)."""
        try:
            answer = await self._call("POST", path, body=arg.present(body), repeat=repeat)
        except (BadRequestError, AuthenticationError) as error:
            raise arg.whatsapp_error(error) from None
        refused = answer.data.get("success") is False and answers is not None
        if refused and not any(arg.said(answer.data, message) for message in answers or ()):
            raise arg.refusal(answer, f"POST {path}")
        return self._read(answer, field, read, where=f"POST {path}")

    async def signup(
        self,
        *,
        partner_name: str | None = None,
        partner_logo: str | None = None,
        callback_url: str | None = None,
        client_id: str | None = None,
        finish_url: str | None = None,
        business_name: str | None = None,
        business_email: str | None = None,
        business_website: str | None = None,
        number_mode: Literal["manual", "preassign", "assigned"] | None = None,
        country: str | None = None,
    ) -> WhatsAppSignup:
        """Start the embedded signup (``POST /whatsapp/signup``): a signup token (valid
        1 hour) and the hosted URL to send the user to. ``number_mode``: ``manual`` (the
        user's own number), ``preassign`` (one from the pool, in ``country``) or
        ``assigned``; left out, a plain WABA-sharing signup. Never repeated.

        Example::

            signup = await client.whatsapp.signup(business_name="Acme Store", number_mode="manual")
            signup.redirect_url
        """
        body = {
            "partner_name": arg.optional_text("partner_name", partner_name),
            "partner_logo": arg.optional_text("partner_logo", partner_logo),
            "partner_callback_url": arg.optional_text("callback_url", callback_url),
            "partner_finish_url": arg.optional_text("finish_url", finish_url),
            "partner_client_id": arg.optional_text("client_id", client_id),
            "wa_name": arg.optional_text("business_name", business_name),
            "wa_email": arg.optional_text("business_email", business_email),
            "wa_website": arg.optional_text("business_website", business_website),
            "phone_number": None
            if number_mode is None
            else arg.one_of("number_mode", number_mode, arg.NUMBER_MODES),
            "country": arg.optional_text("country", country),
        }
        return await self._post("/whatsapp/signup", body, typed.parse_signup, repeat=False)

    async def register(
        self,
        token: str,
        waba_id: str,
        code: str,
        *,
        phone_number_id: str | None = None,
        country: str | None = None,
        client_id: str | None = None,
        description: str | None = None,
        logo: str | None = None,
        email: str | None = None,
        website: str | None = None,
    ) -> WhatsAppRegistration:
        """Complete the signup (``POST /whatsapp/registration``) with Meta's OAuth
        ``code``: connects the WABA and registers ``phone_number_id`` (a number from the
        signup) or a new number of the pool in ``country``; ``description``, ``logo``
        (a ``data:image/...;base64,`` URL), ``email`` and ``website`` set the business
        profile. Never repeated.
        Example: ``await client.whatsapp.register(signup.token, waba_id, code, country="cz")``.
        """
        if (phone_number_id is None) == (country is None):
            field = "phone_number_id" if country is None else "country"
            raise ValidationError(field, "give phone_number_id or country, one of them")
        if logo is not None and not nonempty("logo", logo).startswith("data:image/"):
            raise ValidationError("logo", "must be a data:image/...;base64,... URL")
        body = {
            "token": nonempty("token", token),
            "waba_id": nonempty("waba_id", waba_id),
            "code": nonempty("code", code),
            "phone_number_id": arg.optional_text("phone_number_id", phone_number_id),
            "country": arg.optional_text("country", country),
            "client_id": arg.optional_text("client_id", client_id),
            "description": arg.optional_text("description", description),
            "logo": logo,
            "email": arg.optional_text("email", email),
            "website": arg.optional_text("website", website),
        }
        return await self._post(
            "/whatsapp/registration", body, typed.parse_registration, repeat=False
        )

    async def verify_phone_number(self, phone_number: str, code: str) -> WhatsAppOutcome:
        """Forward the verification ``code`` of a pre-assigned number to the e-mail given
        at signup (``POST /whatsapp/phone_numbers/verify``). Never repeated.
        Example: ``await client.whatsapp.verify_phone_number("420226633283", "123456")``.
        """
        body = {
            "phone_number": self._normalize(phone_number, field="phone_number"),
            "code": nonempty("code", code),
        }
        return await self._post(
            "/whatsapp/phone_numbers/verify", body, typed.parse_outcome, repeat=False
        )

    async def check_phone_number(self, phone_number: str) -> PhoneNumberCheck:
        """Whether a pre-provisioned number exists and is verified
        (``POST /whatsapp/phone_numbers/check``): a number that is not is an answer
        (``available`` false, the platform's ``reason``), not an error. A read.

        Example::

            check = await client.whatsapp.check_phone_number("420226633283")
            check.available, check.reason
        """
        body = {"phone_number": self._normalize(phone_number, field="phone_number")}
        return await self._post(
            "/whatsapp/phone_numbers/check", body, typed.parse_check, repeat=True, answers=None
        )

    async def list_phone_numbers(
        self, waba_id: str, *, token: str | None = None
    ) -> tuple[WhatsAppPhoneNumber, ...]:
        """The phone numbers of a WABA (``POST /whatsapp/phone_numbers/list``). A read.

        Example::

            for number in await client.whatsapp.list_phone_numbers("1234567890"):
                print(number.phone_number_id, number.phone_number, number.status)
        """
        path, body = "/whatsapp/phone_numbers/list", arg.on_waba(waba_id, token)
        return await self._post(
            path, body, typed.parse_phone_numbers, field="phone_numbers", repeat=True
        )

    async def list_accounts(
        self,
        *,
        client_id: str | None = None,
        waba_id: str | None = None,
        token: str | None = None,
    ) -> tuple[WhatsAppAccount, ...]:
        """The WhatsApp Business Accounts connected to the key, optionally only those of
        ``client_id`` (``POST /whatsapp/accounts/list``); none is an empty tuple. With a
        signup ``token`` instead of the key, ``waba_id`` is required. A read.

        Example::

            for account in await client.whatsapp.list_accounts(client_id="client-42"):
                print(account.waba_id, account.name)
        """
        path, body = "/whatsapp/accounts/list", arg.accounts_filter(client_id, waba_id, token)
        read, none = typed.parse_accounts, (arg.NO_ACCOUNTS,)
        return await self._post(path, body, read, field="accounts", repeat=True, answers=none)

    async def iter_templates(
        self, waba_id: str, *, token: str | None = None
    ) -> AsyncGenerator[MessageTemplate, None]:
        """Every message template of a WABA (``POST /whatsapp/templates/list``), Meta's
        objects typed: the platform answers them all at once. A read.

        Example::

            async for template in client.whatsapp.iter_templates("1234567890"):
                print(template.name, template.language, template.status)
        """
        path, body = "/whatsapp/templates/list", arg.on_waba(waba_id, token)
        for template in await self._post(
            path, body, typed.parse_templates, field="templates", repeat=True
        ):
            yield template

    async def create_template(
        self,
        waba_id: str,
        name: str,
        *,
        language: str,
        category: Literal["MARKETING", "UTILITY", "AUTHENTICATION"],
        components: Iterable[Mapping[str, Any] | TemplateComponent],
        token: str | None = None,
    ) -> TemplateCreated:
        """Create a message template (``POST /whatsapp/templates/create``); Meta's
        components, an image header as ``example.base64_image`` (a data URL, uploaded
        for you). Never repeated.

        Example::

            created = await client.whatsapp.create_template(
                "1234567890", "order_update", language="cs", category="UTILITY",
                components=[{"type": "BODY", "text": "Ahoj {{1}}", "example": {...}}],
            )
        """
        template = {
            "name": arg.template_name("name", name),
            "language": nonempty("language", language),
            "category": arg.one_of("category", category, arg.CATEGORIES),
            "components": arg.template_components(components),
        }
        body = {**arg.on_waba(waba_id, token), "template": template}
        return await self._post(
            "/whatsapp/templates/create", body, typed.parse_created, repeat=False
        )

    async def create_template_from_library(
        self,
        waba_id: str,
        name: str,
        *,
        language: str,
        library_template_name: str,
        category: Literal["MARKETING", "UTILITY", "AUTHENTICATION"] | None = None,
        button_inputs: Iterable[Mapping[str, Any]] | None = None,
        body_inputs: Mapping[str, Any] | None = None,
        token: str | None = None,
    ) -> TemplateCreated:
        """Create a template from one of Meta's Template Library
        (``POST /whatsapp/templates/library/create``); ``category`` is ``UTILITY``
        when left out. Never repeated.

        Example::

            created = await client.whatsapp.create_template_from_library(
                "1234567890", "delivery_update_1", language="en_US",
                library_template_name="delivery_update",
            )
        """
        template = {
            "name": arg.template_name("name", name),
            "language": nonempty("language", language),
            "category": None
            if category is None
            else arg.one_of("category", category, arg.CATEGORIES),
            "library_template_name": nonempty("library_template_name", library_template_name),
            "library_template_button_inputs": (
                None if button_inputs is None else arg.objects("button_inputs", button_inputs)
            ),
            "library_template_body_inputs": (
                None if body_inputs is None else arg.json_object("body_inputs", body_inputs)
            ),
        }
        body = {**arg.on_waba(waba_id, token), "template": arg.present(template)}
        path = "/whatsapp/templates/library/create"
        return await self._post(path, body, typed.parse_created, repeat=False)

    async def edit_template(
        self,
        waba_id: str,
        template_id: str,
        *,
        category: Literal["MARKETING", "UTILITY", "AUTHENTICATION"] | None = None,
        components: Iterable[Mapping[str, Any] | TemplateComponent] | None = None,
        token: str | None = None,
    ) -> WhatsAppOutcome:
        """Edit a template by its Meta ``template_id`` (``POST /whatsapp/templates/edit``):
        its ``category`` and/or ``components`` (each replaces the one of its type; the
        others stay). Meta allows an approved template 10 edits in 30 days, one a day.
        Never repeated.
        Example: ``await client.whatsapp.edit_template(waba_id, template_id, category="UTILITY")``.
        """
        if category is None and components is None:
            raise ValidationError("category", "give category or components: nothing to edit")
        template = {
            "category": None
            if category is None
            else arg.one_of("category", category, arg.CATEGORIES),
            "components": None if components is None else arg.template_components(components),
        }
        body = {
            **arg.on_waba(waba_id, token),
            "template_id": nonempty("template_id", template_id),
            "template": arg.present(template),
        }
        return await self._post("/whatsapp/templates/edit", body, typed.parse_outcome, repeat=False)

    async def delete_template(
        self, waba_id: str, template_name: str, *, token: str | None = None
    ) -> WhatsAppOutcome:
        """Delete a template by name, in every language (``POST /whatsapp/templates/delete``).
        Never repeated.
        Example: ``await client.whatsapp.delete_template("1234567890", "autumn_sale")``.
        """
        body = {
            **arg.on_waba(waba_id, token),
            "template_name": nonempty("template_name", template_name),
        }
        return await self._post(
            "/whatsapp/templates/delete", body, typed.parse_outcome, repeat=False
        )

    async def send_test_template(
        self,
        waba_id: str,
        *,
        sender: str,
        phone_number: str,
        name: str,
        language: str,
        components: Iterable[Mapping[str, Any] | TemplateComponent],
        token: str | None = None,
    ) -> TemplateTestResult:
        """Send a live test of a template to ``phone_number`` from the number
        ``sender`` (a phone number id) (``POST /whatsapp/templates/test``): the
        ``HEADER`` and ``BODY`` example values are its parameters. Never repeated.

        Example::

            sent = await client.whatsapp.send_test_template(
                "1234567890", sender="109876543210987", phone_number="420777000000",
                name=template.name, language=template.language, components=template.components,
            )
        """
        template = {
            "name": nonempty("name", name),
            "language": nonempty("language", language),
            "components": arg.template_components(components),
        }
        body = {
            **arg.on_waba(waba_id, token),
            "sender": nonempty("sender", sender),
            "phone_number": self._normalize(phone_number, field="phone_number"),
            "template": template,
        }
        return await self._post(
            "/whatsapp/templates/test", body, typed.parse_test_result, repeat=False
        )

    async def get_message_analytics(
        self,
        waba_id: str,
        *,
        start: Moment | None = None,
        end: Moment | None = None,
        granularity: Literal["HALF_HOUR", "DAY", "MONTH"] | None = None,
        phone_numbers: Iterable[str] | None = None,
        country_codes: Iterable[str] | None = None,
        token: str | None = None,
    ) -> MessageAnalytics:
        """Messages sent and delivered per period (``POST /whatsapp/analytics/messages``),
        by default daily over the last 30 days. A read.

        Example::

            analytics = await client.whatsapp.get_message_analytics("1234567890", granularity="DAY")
            sum(point.delivered for point in analytics.data_points)
        """
        body = {
            **arg.on_waba(waba_id, token),
            **arg.span(start, end),
            "granularity": arg.choice("granularity", granularity, arg.MESSAGE_GRANULARITIES),
            "phone_numbers": arg.numbers("phone_numbers", phone_numbers, self._normalize),
            "country_codes": arg.optional_texts("country_codes", country_codes),
        }
        return await self._post(
            "/whatsapp/analytics/messages", body, typed.parse_message_analytics, repeat=True
        )

    async def get_conversation_analytics(
        self,
        waba_id: str,
        *,
        start: Moment | None = None,
        end: Moment | None = None,
        granularity: Literal["HALF_HOUR", "DAILY", "MONTHLY"] | None = None,
        phone_numbers: Iterable[str] | None = None,
        country_codes: Iterable[str] | None = None,
        metric_types: Iterable[str] | None = None,
        categories: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        directions: Iterable[str] | None = None,
        dimensions: Iterable[str] | None = None,
        token: str | None = None,
    ) -> ConversationAnalytics:
        """Conversations and their cost per period (``POST /whatsapp/analytics/conversations``),
        by default daily over the last 30 days, split by category and type; ``categories``,
        ``types`` and ``directions`` filter. A read.

        Example::

            analytics = await client.whatsapp.get_conversation_analytics(
                "1234567890", categories=["MARKETING"]
            )
        """
        body = {
            **arg.on_waba(waba_id, token),
            **arg.span(start, end),
            "granularity": arg.choice("granularity", granularity, arg.CONVERSATION_GRANULARITIES),
            "phone_numbers": arg.numbers("phone_numbers", phone_numbers, self._normalize),
            "country_codes": arg.optional_texts("country_codes", country_codes),
            "metric_types": arg.optional_texts("metric_types", metric_types),
            "conversation_categories": arg.optional_texts(
                "categories", categories, arg.CONVERSATION_CATEGORIES
            ),
            "conversation_types": arg.optional_texts("types", types, arg.CONVERSATION_TYPES),
            "conversation_directions": arg.optional_texts(
                "directions", directions, arg.CONVERSATION_DIRECTIONS
            ),
            "dimensions": arg.optional_texts("dimensions", dimensions),
        }
        return await self._post(
            "/whatsapp/analytics/conversations",
            body,
            typed.parse_conversation_analytics,
            repeat=True,
        )

    async def get_template_analytics(
        self,
        waba_id: str,
        template_ids: Iterable[str],
        *,
        start: Moment | None = None,
        end: Moment | None = None,
        granularity: str | None = None,
        metric_types: Iterable[str] | None = None,
        token: str | None = None,
    ) -> TemplateAnalytics:
        """Sent, delivered, read and clicked per template and period
        (``POST /whatsapp/analytics/templates``), once insights are enabled
        (``enable_template_analytics``). A read.
        Example: ``await client.whatsapp.get_template_analytics(waba_id, ["9876543210"])``.
        """
        body = {
            **arg.on_waba(waba_id, token),
            "template_ids": arg.texts("template_ids", template_ids),
            **arg.span(start, end),
            "granularity": arg.optional_text("granularity", granularity),
            "metric_types": arg.optional_texts("metric_types", metric_types),
        }
        return await self._post(
            "/whatsapp/analytics/templates", body, typed.parse_template_analytics, repeat=True
        )

    async def enable_template_analytics(
        self, waba_id: str, *, token: str | None = None
    ) -> Mapping[str, Any]:
        """Enable template insights on a WABA (``POST /whatsapp/analytics/templates/enable``);
        Meta's ``result``, as given. Never repeated.
        Example: ``await client.whatsapp.enable_template_analytics("1234567890")``.
        """
        path, body = "/whatsapp/analytics/templates/enable", arg.on_waba(waba_id, token)
        return await self._post(path, body, mapping, field="result", repeat=False)
