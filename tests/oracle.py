"""The official v2 SDK's pydantic models as a schema oracle (tests only, never at runtime)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def _leftovers(obj: Any, path: str) -> list[str]:
    if isinstance(obj, list):
        return [x for i, item in enumerate(obj) for x in _leftovers(item, f"{path}[{i}]")]
    if not isinstance(obj, BaseModel):
        return []
    found = [f"{path}.{key}" for key in getattr(obj, "additional_properties", {}) or {}]
    for name in type(obj).model_fields:
        if name != "additional_properties":
            found += _leftovers(getattr(obj, name), f"{path}.{name}")
    return found


def assert_fits(model_name: str, data: Any) -> None:
    """``data`` validates against the official SDK model and carries no unknown field."""
    import keap_core_v2_client.models as models

    instance = getattr(models, model_name).from_dict(data)
    assert instance is not None, f"{model_name} refused {data!r}"
    extra = _leftovers(instance, model_name)
    assert not extra, f"fields unknown to the v2 schema: {extra}"
