"""The values schema: JSON Schema validation of merged values, located in the layer to edit.

Draft 2020-12 unless the schema's `$schema` names another draft (Draft 7, ...). Each error
points at the file, line and column of the layer that set the offending value, and says which
layers that value overrode; a missing required key points at the enclosing mapping in the layer
that defines it.
"""

from __future__ import annotations

import json
import re
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
        import jsonschema  # noqa: PLC0415  # heavy: only commands that validate pay for it

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
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            where = format_path(tuple(exc.absolute_path)) or "the top level"
            raise ConfigError(
                f"not a valid JSON Schema at {where}: {exc.message}", Location(display)
            ) from None
        self.display = display
        self._validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

    def check(self, values: Values, fallback: Location) -> list[Problem]:
        """Every schema error of `values`; `fallback` locates errors at the top level."""
        problems = []
        for error in self._validator.iter_errors(values.data):
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
