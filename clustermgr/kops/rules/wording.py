"""kOps' words, as Go prints them: k8s.io/apimachinery's field errors (`Invalid value: "x":
detail`, `Unsupported value: ...`, `Required value: ...`) and Go's time.Duration, read and
written."""

from __future__ import annotations

import json
import re
from typing import Any


def go_value(value: Any) -> str:
    """A bad value as apimachinery's ErrorBody prints it: %q for a string, %v for a number or
    a bool, JSON for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def invalid(value: Any, detail: str) -> str:
    return f"Invalid value: {go_value(value)}: {detail}"


def unsupported(value: Any, supported: tuple[str, ...]) -> str:
    quoted = ", ".join(json.dumps(s) for s in supported)
    return f"Unsupported value: {go_value(value)}: supported values: {quoted}"


def required(detail: str) -> str:
    return f"Required value: {detail}" if detail else "Required value"


_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration_seconds(text: str) -> float | None:
    """Go's time.ParseDuration, in seconds (None where it fails)."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    parts = _DURATION.findall(body)
    if not body or "".join(n + u for n, u in parts) != body:
        return None
    return sign * sum(float(n) * _SECONDS[u] for n, u in parts)


def go_duration_text(seconds: float) -> str:
    """Go's time.Duration.String: `1h0m0s`, `1m30s`, `1.5s`, `500ms`, `0s`."""
    nanos = round(seconds * 1e9)
    sign, nanos = ("-", -nanos) if nanos < 0 else ("", nanos)
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= size:
                return sign + _decimal(nanos, size) + unit
    hours, rest = divmod(nanos, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    text = _decimal(rest, 10**9) + "s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _decimal(value: int, unit: int) -> str:
    whole, fraction = divmod(value, unit)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"
