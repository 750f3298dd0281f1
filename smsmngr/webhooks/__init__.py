"""Webhooks: typed delivery reports, replies and inbound messages, and ready receivers.

>>> from smsmngr.webhooks import parse
>>> report, = parse(b'[{"type": "outgoing", "message_id": "m-0", "result": "delivered",'
...                 b' "result_info": "[0] Delivered", "timestamp": 1700000000}]')
>>> report.result, report.result_info.code, report.is_final, report.timestamp.year
('delivered', 0, True, 2023)
"""

from .._public import present_here
from ..errors import WebhookError
from . import _events
from ._events import *  # noqa: F403  (every event type: _events.__all__)
from ._json import from_json, read_events, to_json
from ._optout import DEFAULT_OPT_OUT_KEYWORDS, is_opt_out, opt_out_number, opt_out_numbers
from ._parse import parse
from ._receivers import asgi_receiver, wsgi_receiver
from ._tracker import DeliveryTracker

__all__ = [
    "DEFAULT_OPT_OUT_KEYWORDS",
    "DeliveryTracker",
    "WebhookError",
    "asgi_receiver",
    "from_json",
    "is_opt_out",
    "opt_out_number",
    "opt_out_numbers",
    "parse",
    "read_events",
    "to_json",
    "wsgi_receiver",
]

__all__ += _events.__all__

present_here(globals())
