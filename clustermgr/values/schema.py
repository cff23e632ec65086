"""The values schema: JSON Schema validation of merged values, located in the layer to edit.

Draft 2020-12 unless the schema's `$schema` names another draft (Draft 7, ...). Each error
points at the file, line and column of the layer that set the offending value, and says which
layers that value overrode; a missing required key points at the enclosing mapping in the layer
that defines it.

Two validators, one meaning. `jsonschema` (Python) is the reference: it decides what is an
error and says where. A compiled validator (`jsonschema-rs`) answers the common question, "is
this cluster valid?", about a hundred times faster, and only a "no" asks the reference for the
errors. The two must never differ in the direction that hides an error (fast says valid,
reference says invalid), so the fast one reads `pattern` and every format the reference checks
with the reference's own functions (Python `re`, jsonschema's format checker), and is not used
for schemas with what the two libraries compute differently: `patternProperties` (ECMA 262
against Python regular expressions deciding which keys a subschema covers) and a `multipleOf`
that is not an integer (the reference divides floats: 0.07 is not a multiple of 0.01). A fast
"no" that the reference does not confirm costs time, never a result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clustermgr.errors import ConfigError, YAMLError
from clustermgr.files import read_bytes
from clustermgr.problems import ERROR, Location, Problem
from clustermgr.values.layers import Values
from clustermgr.yamlio import YPath, format_path


class ValuesSchema:
    """A compiled values schema, loaded once for any number of clusters."""

    def __init__(self, path: Path, display: str) -> None:
        try:
            schema = json.loads(read_bytes(path, display).decode("utf-8"))
        except YAMLError as exc:
            raise ConfigError(exc.message, exc.location) from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"cannot read the schema: {exc}", Location(display)) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"invalid JSON: {exc.msg}", Location(display, exc.lineno, exc.colno)
            ) from None
        self.display = display
        self._schema = schema
        self._reference: Any = None
        self._fast = _compiled(schema)
        if self._fast is None:  # the reference refuses a schema it cannot read, at load
            self._reference_validator()

    def _reference_validator(self) -> Any:
        if self._reference is None:
            import jsonschema  # noqa: PLC0415  # heavy: loaded when a cluster may be invalid

            schema = self._schema
            cls = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft202012Validator
            )
            try:
                cls.check_schema(schema)
            except jsonschema.SchemaError as exc:
                where = format_path(tuple(exc.absolute_path)) or "the top level"
                raise ConfigError(
                    f"not a valid JSON Schema at {where}: {exc.message}", Location(self.display)
                ) from None
            self._reference = cls(schema, format_checker=cls.FORMAT_CHECKER)
        return self._reference

    def check(self, values: Values, fallback: Location) -> list[Problem]:
        """Every schema error of `values`; `fallback` locates errors at the top level."""
        if self._fast is not None and _fast_valid(self._fast, values.data):
            return []
        problems = []
        for error in self._reference_validator().iter_errors(values.data):
            path: YPath = tuple(error.absolute_path)
            extra = _unexpected(error)
            if extra:  # point at each unexpected key, in the layer that added it
                allowed = list(error.schema.get("properties", {}))
                for key in extra:
                    problems.append(self._unexpected_key(error, (*path, key), values, allowed))
            else:
                problems.append(self._problem(error, path, values, fallback))
        return problems

    def _unexpected_key(
        self, error: Any, path: YPath, values: Values, allowed: list[str]
    ) -> Problem:
        """A key the schema does not allow: at the key itself, with the closest allowed
        name."""
        import difflib  # noqa: PLC0415  # the error path only

        origin = values.origin(path)
        location = None
        if origin is not None:
            location = origin.key_location or origin.location
        key = str(path[-1])
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        where = format_path(path[:-1]) or "(top level)"
        message = f"{where}: unexpected key {key!r}{hint}"
        if origin is not None and origin.location is None:
            message += f" (set by {origin.source})"
        return Problem(ERROR, "schema", message, location, format_path(path), check="values")

    def _problem(self, error: Any, path: YPath, values: Values, fallback: Location) -> Problem:
        origin = values.origin(path) if path else None
        location = fallback if origin is None else origin.location
        shown = format_path(path) or "(top level)"
        text = error.message
        schema = error.schema if isinstance(error.schema, dict) else {}
        if schema.get("writeOnly") is True or schema.get("x-sensitive") is True:
            text = text.replace(repr(error.instance), "<redacted>")  # even a short secret
        message = f"{shown}: {text}"
        if origin is not None and origin.location is None:
            message += f" (set by {origin.source})"
        if origin is not None and origin.overrides:
            message += f" (overrides {', '.join(origin.overrides)})"
        return Problem(ERROR, "schema", message, location, format_path(path), check="values")


def _unexpected(error: Any) -> list[str]:
    """The keys an `additionalProperties: false` error is about."""
    if error.validator != "additionalProperties" or error.validator_value is not False:
        return []
    instance, schema = error.instance, error.schema
    if not isinstance(instance, dict):
        return []
    known = set(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))

    return [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]


def _compiled(schema: Any) -> Any:
    """The fast validator of `schema`, or None: jsonschema-rs not installed, a schema it
    cannot read (the reference then says why, or reads it), or one it would read differently
    (see the module's docstring)."""
    if not isinstance(schema, dict) or _differs(schema):
        return None
    try:
        import jsonschema_rs  # noqa: PLC0415  # compiled, optional: without it, the reference
    except ImportError:
        return None
    try:
        return jsonschema_rs.validator_for(
            schema,
            validate_formats=True,  # as the reference, which is given a format checker
            formats=_reference_formats(schema),
            keywords={"pattern": _Pattern},
            retriever=_refuse,  # no network: a remote $ref is for the reference to refuse
        )
    except Exception:  # any refusal: the reference reads the schema alone
        return None


def _fast_valid(fast: Any, data: Any) -> bool:
    try:
        return bool(fast.is_valid(data))
    except (ValueError, TypeError, OverflowError):  # not JSON it can hold (an int > 2**64)
        return False


def _differs(schema: Any) -> bool:
    """Whether `schema` uses a keyword the two validators compute differently (anywhere,
    even where a property is so named: a slower run, never a different answer)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "patternProperties" in node:
                return True
            divisor = node.get("multipleOf")
            if isinstance(divisor, float) and not divisor.is_integer():
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _reference_formats(schema: Any) -> dict[str, Callable[[str], bool]] | None:
    """The reference's own format checks, for a schema that names formats (importing the
    reference costs ~0.1 s, which a schema without formats does not pay)."""
    if '"format"' not in json.dumps(schema):
        return None
    import jsonschema  # noqa: PLC0415  # heavy: only for a schema that names formats

    checker = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    ).FORMAT_CHECKER

    def conforms(name: str) -> Callable[[str], bool]:
        return lambda text: bool(checker.conforms(text, name))

    return {name: conforms(name) for name in checker.checkers}


class _Pattern:
    """`pattern` as the reference reads it: Python's `re.search` (jsonschema's own rule)."""

    def __init__(self, parent: Any, value: Any, path: Any) -> None:
        self.regex = re.compile(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not self.regex.search(instance):
            raise ValueError(f"{instance!r} does not match {self.regex.pattern!r}")


def _refuse(uri: str) -> Any:
    raise ValueError(f"not fetched: {uri}")
