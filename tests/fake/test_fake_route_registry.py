"""The fake's REST routes: a method and path registered twice fails at once."""

from __future__ import annotations

import pytest

from smsmngr.testing._routes import Routes


def _handler(call: object) -> tuple[int, object]:
    return 200, None


def test_a_method_and_path_registered_twice_is_refused_naming_them() -> None:
    routes: Routes[object] = Routes()
    routes("GET", "/message")(_handler)
    routes("POST", "/message")(_handler)
    with pytest.raises(ValueError, match="GET /message is registered twice"):
        routes("GET", "/message")(_handler)
    with pytest.raises(ValueError, match="POST /message is registered twice"):
        Routes(routes, {("POST", "/message"): _handler})
