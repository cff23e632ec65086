"""What clustermgr records of an apply, in the Cluster's own annotations (written by `kops
replace` itself, so a shared state store needs no file of ours; `kops delete cluster` refuses
folders with unknown files): the applied manifest, its impact in words, and the plan's rolling
updates (which `clustermgr roll` runs).

The record comes back from a state store that anyone with access can edit: it is bounded
before and after decompression, and any record that does not decode is an error (apply stops
rather than guess), never a crash.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib

from clustermgr import diff, limits
from clustermgr.errors import ClusterMgrError
from clustermgr.plan import ROLL, Plan, Step
from clustermgr.plan.steps import UPDATE, is_roll, is_roll_step
from clustermgr.text import count
from clustermgr.yamlio import Document, dump

LAST_APPLIED = "clustermgr.k8s.io/last-applied"
LAST_IMPACT = "clustermgr.k8s.io/last-apply-impact"
LAST_ROLL = "clustermgr.k8s.io/last-apply-roll"
RECORD_KEYS = (LAST_APPLIED, LAST_IMPACT, LAST_ROLL)


class RecordError(ClusterMgrError):
    """The state store's record of the last apply cannot be read."""


def annotation(resources: diff.Resources, key: str) -> str | None:
    for (kind, _name), doc in resources.items():
        if kind == "Cluster":
            meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            annotations = meta.get("annotations") if isinstance(meta, dict) else None
            value = annotations.get(key) if isinstance(annotations, dict) else None
            return str(value) if value is not None else None
    return None


def encode(rendered: list[Document]) -> str:
    docs = [d.data for d in rendered if isinstance(d.data, dict)]
    items = [[d.get("kind"), (d.get("metadata") or {}).get("name"), d] for d in docs]
    data = json.dumps(items, sort_keys=True).encode()
    return base64.b64encode(gzip.compress(data, mtime=0)).decode()


def decode(record: str) -> diff.Resources:
    """The manifest a record holds; a RecordError for anything else (too large, a
    decompression bomb, nesting too deep, not the shape clustermgr writes)."""
    bound = limits.current().file_bytes
    if len(record) > bound:
        raise RecordError(f"the {LAST_APPLIED} annotation is larger than limits.fileBytes")
    try:
        packed = base64.b64decode(record, validate=True)
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip, read with a bound
        data = unpacker.decompress(packed, bound + 1)
        if len(data) > bound or unpacker.unconsumed_tail:
            raise RecordError(
                f"the {LAST_APPLIED} annotation unpacks to more than limits.fileBytes"
            )
        items = json.loads(data)
        found = {(str(k), str(n)): d for k, n, d in items}
        if not all(isinstance(d, dict) for d in found.values()):
            raise TypeError("not documents")
        return found
    except RecordError:
        raise
    except (ValueError, TypeError, binascii.Error, zlib.error, RecursionError, EOFError):
        raise RecordError(f"the {LAST_APPLIED} annotation cannot be read") from None


def rolls_of(resources: diff.Resources) -> tuple[Step, ...] | None:
    """The rolling updates the last apply's plan recorded; None when there is no record."""
    raw = annotation(resources, LAST_ROLL)
    if raw is None:
        return None
    try:
        data = json.loads(raw[:100_000])
        found = [(tuple(str(a) for a in s["args"]), str(s["why"])) for s in data["steps"]]
    except (ValueError, TypeError, KeyError):
        raise RecordError(
            f"the {LAST_ROLL} annotation cannot be read (an apply by this clustermgr rewrites it)"
        ) from None
    if not all(is_roll_step(args) for args, _ in found):
        raise RecordError(f"the {LAST_ROLL} annotation holds something other than rolling updates")
    steps = tuple(Step(ROLL if is_roll(args) else UPDATE, args, why) for args, why in found)
    return steps


def words(plan: Plan) -> str:
    impact = plan.impact
    if plan.roll:
        impact += f"; rolls {', '.join(plan.roll)}"
    if plan.flags:
        impact += f"; {', '.join(plan.flags)}"
    return f"{count(plan.changes, 'change')}: {impact}" if plan.changes else "no changes"


def manifest(rendered: list[Document], annotations: dict[str, str]) -> str:
    """The render as `kops replace` gets it, with `annotations` on the Cluster (clustermgr's
    own keys replaced, the template's others kept)."""
    out = []
    for item in rendered:
        doc = item.data
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "Cluster":
            meta = dict(doc.get("metadata") or {})
            kept = {
                k: v for k, v in (meta.get("annotations") or {}).items() if k not in RECORD_KEYS
            }
            if kept or annotations:
                meta["annotations"] = {**kept, **annotations}
            else:
                meta.pop("annotations", None)
            doc = {**doc, "metadata": meta}
        out.append(dump(doc))
    return "---\n".join(out)


def annotations_for(rendered: list[Document], plan: Plan) -> dict[str, str]:
    rolls = [{"args": list(s.args), "why": s.why} for s in plan.roll_steps()]
    return {
        LAST_APPLIED: encode(rendered),
        LAST_IMPACT: words(plan),
        LAST_ROLL: json.dumps({"steps": rolls}, sort_keys=True),
    }


def previous(resources: diff.Resources) -> dict[str, str]:
    """The record the state store holds now (kept while an apply is under way)."""
    found = {key: annotation(resources, key) for key in RECORD_KEYS}
    return {k: v for k, v in found.items() if v is not None}
