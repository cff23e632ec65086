"""Generalising documents into one template: anti-unification over the clusters' documents
(a field equal everywhere stays literal, one that differs becomes a value named after it)."""

from __future__ import annotations

import re
from typing import Any

from clustermgr.ops.importer.sources import Path_
from clustermgr.yamlio import dump, is_plain, scalar

_MISSING = object()


_JINJA = re.compile(r"\{[{%#]")


ROLE_GROUPS = {
    "Master": "controlPlane",
    "ControlPlane": "controlPlane",
    "Node": "nodes",
    "Bastion": "bastions",
    "APIServer": "apiServers",
}


class _Scope:
    """Where values go while generalising: the cluster's top level, or one instance group."""

    def __init__(
        self, ref: str, store: dict[str, dict[str, Any]], taken: set[str], describe: str
    ) -> None:
        self.ref = ref  # "" for top-level names, "ig." inside a loop
        self.store = store  # member id -> its values
        self.taken = taken
        self.describe = describe  # "Cluster" or "InstanceGroup (group nodes)"
        self.fields: dict[str, Path_] = {}  # value name -> the kOps field it feeds

    def name_for(self, path: Path_) -> str:
        keys = [p for p in path if p not in ("spec", "metadata")] or list(path)
        name = _camel(keys[-1:])
        depth = 1
        while name in self.taken and self.fields.get(name) != path:
            depth += 1
            name = _camel(keys[-depth:]) if depth <= len(keys) else f"{name}{depth}"
        self.taken.add(name)
        self.fields[name] = path
        return name


def _camel(parts: list[str]) -> str:
    words = [w for p in parts for w in re.split(r"[^0-9A-Za-z]+", p) if w]
    if not words:
        return "value"
    text = words[0][0].lower() + words[0][1:] + "".join(w[0].upper() + w[1:] for w in words[1:])
    return text if text[0].isalpha() else f"v{text}"


class _Gen:
    def __init__(self, forced: set[Path_], plain: set[Path_]) -> None:
        self.forced = forced
        self.plain = plain  # paths that must be whole values (found by the round trip)

    def mapping(
        self,
        members: list[tuple[str, dict[str, Any]]],
        path: Path_,
        indent: int,
        scope: _Scope,
        subs: dict[str, dict[str, str]],
    ) -> list[str]:
        lines: list[str] = []
        keys: list[str] = []
        for _, data in members:
            keys += [k for k in data if k not in keys]
        pad = " " * indent
        for key in keys:
            sub = (*path, key)
            present = [(m, d[key]) for m, d in members if key in d]
            head = f"{pad}{_key(key)}:"
            if len(present) < len(members) or sub in self.plain:
                name = scope.name_for(sub)
                for member, value in present:
                    scope.store[member][name] = value
                body = self._value_lines(
                    head, f"{scope.ref}{name}", [v for _, v in present], indent
                )
                if len(present) < len(members):
                    lines.append(f"{pad}{{% if {scope.ref}{name} is defined %}}")
                    lines += body
                    lines.append(f"{pad}{{% endif %}}")
                else:
                    lines += body
                continue
            values = [v for _, v in present]
            same = all(_same(v, values[0]) for v in values)
            text = self._substitute(present, subs)
            if text is not None:
                lines.append(f"{head} {text}")
            elif all(isinstance(v, dict) and v for v in values) and sub not in self.forced:
                lines.append(head)  # followed even when equal: names inside may be substituted
                lines += self.mapping(present, sub, indent + 2, scope, subs)
            elif same and sub not in self.forced and _literal_ok(values[0]):
                lines += _literal(head, values[0], indent)
            else:
                name = scope.name_for(sub)
                for member, value in present:
                    scope.store[member][name] = value
                lines += self._value_lines(head, f"{scope.ref}{name}", values, indent)
        return lines

    def _substitute(
        self, present: list[tuple[str, Any]], subs: dict[str, dict[str, str]]
    ) -> str | None:
        """`api.{{ clusterName }}`: one template string that gives every member's value."""
        if not all(isinstance(v, str) and v and is_plain(v) for _, v in present):
            return None
        best: str | None = None
        for ref, by_member in subs.items():
            shapes = set()
            for member, value in present:
                token = by_member.get(member, "")
                if not token or token not in value:
                    break
                shapes.add(value.replace(token, "\0"))
            else:
                shape = shapes.pop() if len(shapes) == 1 else None
                if shape is None or _JINJA.search(shape):
                    continue
                # Of the names that fit, the one leaving the least literal text reads best:
                # `{{ ig.name }}` over `master-{{ ig.subnets[0] }}`.
                if best is None or len(shape.replace("\0", "")) < len(best.replace("\0", "")):
                    best, best_ref = shape, ref
        if best is None:
            return None
        return best.replace("\0", f"{{{{ {best_ref} }}}}")

    @staticmethod
    def _value_lines(head: str, ref: str, values: list[Any], indent: int) -> list[str]:
        if all(isinstance(v, str) and is_plain(v) for v in values):
            return [f"{head} {{{{ {ref} }}}}"]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return [f"{head} {{{{ {ref} }}}}"]
        if all(isinstance(v, dict) and v for v in values):
            return [head, f"{' ' * (indent + 2)}{{{{ {ref} | toYaml | indent({indent + 2}) }}}}"]
        if all(isinstance(v, list) and v for v in values):
            return [head, f"{' ' * indent}{{{{ {ref} | toYaml | indent({indent}) }}}}"]
        return [f"{head} {{{{ {ref} | toJson }}}}"]


def _same(a: Any, b: Any) -> bool:
    return bool(a == b and type(a) is type(b))


def _key(key: str) -> str:
    return scalar(key)


def _literal_ok(value: Any) -> bool:
    return not _JINJA.search(dump(value))


def _literal(head: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, (dict, list)) and value:
        inner = indent + 2 if isinstance(value, dict) else indent
        return [
            head,
            *(
                f"{' ' * inner}{line}" if line else line
                for line in dump(value).rstrip("\n").split("\n")
            ),
        ]
    text = dump(value).rstrip("\n")
    if "\n" in text:  # a block scalar: its lines follow the key, indented below it
        first, *rest = text.split("\n")
        return [
            f"{head} {first}",
            *(f"{' ' * (indent + 2)}{line[2:]}" if line else line for line in rest),
        ]
    return [f"{head} {text}"]
