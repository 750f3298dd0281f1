"""The API's limits on one request, as the reference gives them.

>>> from smsmngr import limits
>>> limits.RECIPIENTS_PER_MESSAGE * limits.MESSAGES_PER_CALL  # recipients per /messages call
100
"""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_REQUEST_BYTES", "MESSAGES_PER_CALL", "RECIPIENTS_PER_MESSAGE"]

RECIPIENTS_PER_MESSAGE: Final = 10
"""Recipients one message may have: on ``/message``, and in each message of ``/messages``."""

MESSAGES_PER_CALL: Final = 10
"""Messages one ``/messages`` call may carry."""

MAX_REQUEST_BYTES: Final = 128 * 1024
"""The largest request body the reference recommends (concepts/request-acceptance.mdx):
a bulk call closes before its body would pass it. One message larger than it still
goes, alone."""
