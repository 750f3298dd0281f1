"""Extract every operation of the reference's OpenAPI files, with each request and
response example, into ``tests/data/operations.json`` (the coverage map's test and the
example tests read it). Run with PyYAML installed, from the repository root:

    python scripts/extract_operations.py ../shared/reference/smsmanager-docs/openapi
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # a developer tool: PyYAML is not a dependency

ROOT = Path(__file__).resolve().parent.parent
APIS = {
    "json/jsonapi_v2.yaml": "json",
    "rest/restapi_v1.yaml": "rest",
    "verify/verifyapi_v1.yaml": "verify",
    "waba_rest/waba_restapi_v1.yaml": "waba",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _examples(content: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The examples of a request body or a response: ``{"name", "example"}`` each."""
    found = []
    for media in (content or {}).values():
        if "example" in media:
            found.append({"name": "example", "example": media["example"]})
        for name, example in (media.get("examples") or {}).items():
            if "value" in example:
                found.append({"name": name, "example": example["value"]})
    return found


def operations(openapi: Path) -> list[dict[str, Any]]:
    extracted = []
    for source, api in APIS.items():
        document = yaml.safe_load((openapi / source).read_text())
        for path, item in document["paths"].items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method not in item:
                    continue
                operation = item[method]
                parameters = [
                    {"name": p["name"], "in": p["in"], "required": bool(p.get("required"))}
                    for p in [*shared, *operation.get("parameters", [])]
                    if "name" in p
                ]
                responses = [
                    {"status": int(status), **example}
                    for status, response in operation.get("responses", {}).items()
                    for example in _examples(response.get("content"))
                ]
                extracted.append(
                    {
                        "api": api,
                        "method": method.upper(),
                        "path": path,
                        "summary": operation.get("summary", ""),
                        "parameters": parameters,
                        "requests": _examples((operation.get("requestBody") or {}).get("content")),
                        "responses": responses,
                        "source": f"openapi/{source}",
                    }
                )
    return extracted


if __name__ == "__main__":
    found = operations(Path(sys.argv[1]))
    target = ROOT / "tests" / "data" / "operations.json"
    target.write_text(json.dumps(found, indent=1, ensure_ascii=False, default=str) + "\n")
    print(f"wrote {len(found)} operations to {target.relative_to(ROOT)}")
