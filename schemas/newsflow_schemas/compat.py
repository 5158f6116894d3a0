"""FULL_TRANSITIVE compatibility between JSON Schemas of one event within a major version.

Readers ignore fields they do not know, so within a major version the only allowed change is adding optional
fields. Anything else (removing or renaming a field, changing a type or an enum, making a field required or
optional) must bump the major version and the topic. `problems(old, new)` lists every violation; an empty
list means a reader of either version reads events of the other.
"""

from __future__ import annotations

import json
from typing import Any

_DESCRIPTIVE = {"description", "title", "default", "examples", "$comment"}


def problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every reason why `old` and `new` are not compatible in both directions (empty: compatible)."""
    return _compare(_Resolver(old), old, _Resolver(new), new, "$")


class _Resolver:
    def __init__(self, root: dict[str, Any]) -> None:
        self.defs = root.get("$defs", {})

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in node and seen < 50:
            node = self.defs[node["$ref"].rsplit("/", 1)[-1]]
            seen += 1
        return node


def _compare(old_r: _Resolver, old: dict[str, Any], new_r: _Resolver, new: dict[str, Any], path: str) -> list[str]:
    old, new = old_r.resolve(old), new_r.resolve(new)
    if old.get("type") == "object" and new.get("type") == "object" and "properties" in old:
        return _compare_objects(old_r, old, new_r, new, path)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in old or key in new:
            branches_old, branches_new = old.get(key, []), new.get(key, [])
            if len(branches_old) != len(branches_new):
                return [f"{path}: {key} changed from {len(branches_old)} to {len(branches_new)} alternatives"]
            return [p for i, (o, n) in enumerate(zip(branches_old, branches_new, strict=True))
                    for p in _compare(old_r, o, new_r, n, f"{path}<{i}>")]
    if old.get("type") == "array" and new.get("type") == "array":
        return _compare(old_r, old.get("items", {}), new_r, new.get("items", {}), f"{path}[]")
    if old.get("type") == "object" and new.get("type") == "object" and "additionalProperties" in old:
        return _compare(old_r, old["additionalProperties"] or {}, new_r, new.get("additionalProperties") or {},
                        f"{path}{{}}")
    if _signature(old) != _signature(new):
        return [f"{path}: type changed from {_signature(old)} to {_signature(new)}"]
    return []


def _compare_objects(old_r: _Resolver, old: dict[str, Any], new_r: _Resolver, new: dict[str, Any],
                     path: str) -> list[str]:
    found: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(set(old_props) - set(new_props)):
        found.append(f"{path}.{name}: removed (old readers and writers still use it)")
    for name in sorted(set(new_props) - set(old_props)):
        if name in new_req:
            found.append(f"{path}.{name}: added as required (old events lack it)")
    for name in sorted(set(old_props) & set(new_props)):
        if (name in old_req) != (name in new_req):
            change = "became required" if name in new_req else "became optional"
            found.append(f"{path}.{name}: {change}")
        found += _compare(old_r, old_props[name], new_r, new_props[name], f"{path}.{name}")
    return found


def _signature(node: dict[str, Any]) -> str:
    """The node's constraints without its descriptive keywords, as canonical JSON."""
    return json.dumps({k: v for k, v in node.items() if k not in _DESCRIPTIVE}, sort_keys=True)
