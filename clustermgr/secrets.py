"""The one redaction layer: what is a secret, and how every output hides it.

A secret is
- a value at a values-schema property marked `writeOnly: true` or `x-sensitive: true`
  (also inside `allOf`/`anyOf`/`oneOf`, `$ref`, `items`, `additionalProperties`);
- a value whose key names a credential (`password`, `apiKey`, `client-key-data`, ...: see
  `secret_key`; `httpTokens` and `tokenAuthFile` are not);
- the value of a kOps field that holds one (KOPS_FIELDS, from kOps' API types).

Hidden text reads `<redacted sha256:1a2b3c4d, 12 bytes>` wherever it is shown, old or new: a
reviewer sees that a secret changed, never what it is.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from clustermgr.yamlio import Match, Part, YPath

# kOps fields that hold a credential, as (kind, path with [] for list items).
KOPS_FIELDS = frozenset(
    {
        # kOps: pkg/apis/kops/v1alpha2/cluster.go, GossipConfig.Secret (+ Secondary)
        ("Cluster", "spec.gossipConfig.secret"),
        ("Cluster", "spec.gossipConfig.secondary.secret"),
        # kOps: pkg/apis/kops/v1alpha2/cluster.go, DNSControllerGossipConfig.Secret (+ Secondary)
        ("Cluster", "spec.dnsControllerGossipConfig.secret"),
        ("Cluster", "spec.dnsControllerGossipConfig.secondary.secret"),
        # kOps: pkg/apis/kops/v1alpha2/componentconfig.go, CloudConfiguration.VSpherePassword
        ("Cluster", "spec.cloudConfig.vSpherePassword"),
        # kOps: pkg/apis/kops/v1alpha2/componentconfig.go, NodeTerminationHandlerSpec.WebhookURL
        # (a chat webhook URL carries its token)
        ("Cluster", "spec.nodeTerminationHandler.webhookURL"),
    }
)

# Key names (case and `-`/`_` ignored) that name a credential in values and kubeconfig-like
# data. Whole names or endings, not substrings: `httpTokens`, `tokenAuthFile`, `keyName` stay.
_SECRET_NAMES = frozenset(
    {"password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey", "privatekey"}
    | {"clientkeydata", "keydata", "credential", "credentials", "clientsecret"}
    | {"secretaccesskey", "sessiontoken", "authtoken", "bearertoken", "webhookurl"}
)
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "privatekey")
_MIN_LENGTH = 4  # shorter values are not searched for in other text: too many false hits


def secret_key(key: object) -> bool:
    """Whether a mapping key names a credential."""
    return isinstance(key, str) and _secret_name(key)


@functools.lru_cache(maxsize=4096)  # every cluster's values and documents ask for the same keys
def _secret_name(key: str) -> bool:
    name = key.lower().replace("-", "").replace("_", "")
    return name in _SECRET_NAMES or name.endswith(_SECRET_ENDINGS)


def token(text: str) -> str:
    data = text.encode("utf-8", errors="surrogatepass")
    return f"<redacted sha256:{hashlib.sha256(data).hexdigest()[:8]}, {len(data)} bytes>"


def pattern(path: Iterable[Part]) -> str:
    """A path with list items as `[]`: `spec.etcdClusters[].name`."""
    out = ""
    for part in path:
        out += "[]" if isinstance(part, (int, Match)) else (f".{part}" if out else part)
    return out


class Secrets:
    """The secrets of one cluster: texts to find anywhere, and document fields to hide."""

    def __init__(
        self,
        texts: Iterable[str] = (),
        fields: Iterable[tuple[str, str]] = (),
        value_paths: Iterable[YPath] = (),
    ) -> None:
        self.texts = sorted({t for t in texts if len(t) >= _MIN_LENGTH}, key=len, reverse=True)
        self.fields = set(fields) | KOPS_FIELDS
        self.value_paths = frozenset(value_paths)

    def mark(self, kind: str, data: Any, path: tuple[Part, ...] = ()) -> None:
        """Remember the fields of a rendered document that hold a secret text, so that the
        applied side's value there (an older secret) is hidden too."""
        if not self.texts:
            return
        if isinstance(data, dict):
            for key, item in data.items():
                self.mark(kind, item, (*path, key))
        elif isinstance(data, list):
            for index, item in enumerate(data):
                self.mark(kind, item, (*path, index))
        elif isinstance(data, str) and any(secret in data for secret in self.texts):
            self.fields.add((kind, pattern(path)))

    def hide(self, text: str) -> str:
        """`text` with every known secret replaced by its token."""
        for secret in self.texts:
            if secret in text:
                text = text.replace(secret, token(secret))
        return text

    def leaf(self, value: Any, sensitive: bool) -> Any:
        if value is None or isinstance(value, (bool, dict, list)):
            return value
        text = value if isinstance(value, str) else json.dumps(value)
        if sensitive:
            return token(text)
        hidden = self.hide(text) if isinstance(value, str) else text
        return hidden if hidden != text else value

    def data(self, value: Any, kind: str = "", path: tuple[Part, ...] = ()) -> Any:
        """`value` (a document or part of one at `path`) with secret fields and texts hidden."""
        keys = [p for p in path if isinstance(p, str)]
        named = bool(keys) and secret_key(keys[-1])
        return self._walk(value, kind, path, named or (kind, pattern(path)) in self.fields)

    def _walk(self, value: Any, kind: str, path: tuple[Part, ...], sensitive: bool) -> Any:
        if isinstance(value, dict):
            return {
                k: self._walk(
                    v,
                    kind,
                    (*path, k),
                    sensitive or secret_key(k) or (kind, pattern((*path, k))) in self.fields,
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._walk(v, kind, (*path, i), sensitive) for i, v in enumerate(value)]
        return self.leaf(value, sensitive)

    def values(self, data: Any, path: YPath = ()) -> Any:
        """Merged values with secret leaves hidden (by schema path, by key, by text)."""
        sensitive = path in self.value_paths
        if isinstance(data, dict):
            return {
                k: self.values(v, (*path, k)) if not (sensitive or secret_key(k)) else _all(v)
                for k, v in data.items()
            }
        if isinstance(data, list):
            if sensitive:
                return _all(data)
            return [self.values(v, (*path, i)) for i, v in enumerate(data)]
        return self.leaf(data, sensitive)


def _all(value: Any) -> Any:
    """Every leaf of `value` hidden."""
    if isinstance(value, dict):
        return {k: _all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_all(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    return token(value if isinstance(value, str) else json.dumps(value))


def schema_secrets(schema: Any, values: Any) -> tuple[set[str], set[YPath]]:
    """The values at schema properties marked sensitive, and their paths."""
    texts: set[str] = set()
    paths: set[YPath] = set()
    if _marks_any(schema):  # most schemas mark nothing: no walk over every cluster's values
        _collect(schema, schema, values, (), texts, paths, 0)
    return texts, paths


_MARKED: dict[int, tuple[Any, bool]] = {}  # id(schema) -> (schema, whether it marks any)


def _marks_any(schema: Any) -> bool:
    """Whether a schema marks anything sensitive (writeOnly or x-sensitive), anywhere;
    answered once per schema object (the run's one schema)."""
    known = _MARKED.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    found = _search(schema)
    _MARKED[id(schema)] = (schema, found)
    return found


def _search(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("writeOnly") is True or node.get("x-sensitive") is True:
            return True
        return any(_search(v) for v in node.values())
    if isinstance(node, list):
        return any(_search(v) for v in node)
    return False


def _collect(
    root: Any,
    schema: Any,
    value: Any,
    path: YPath,
    texts: set[str],
    paths: set[YPath],
    depth: int,
) -> None:
    if not isinstance(schema, dict) or depth > 64:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        _collect(root, target, value, path, texts, paths, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else []:
            _collect(root, branch, value, path, texts, paths, depth + 1)
    if schema.get("writeOnly") is True or schema.get("x-sensitive") is True:
        paths.add(path)
        _all_texts(value, texts)
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            _collect(root, sub, item, (*path, key), texts, paths, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect(root, schema.get("items"), item, (*path, index), texts, paths, depth + 1)


def _all_texts(value: Any, texts: set[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _all_texts(item, texts)
    elif isinstance(value, list):
        for item in value:
            _all_texts(item, texts)
    elif value is not None and not isinstance(value, bool):
        texts.add(value if isinstance(value, str) else json.dumps(value))


def key_secrets(values: Any) -> set[str]:
    """Values whose key names a credential, wherever they are."""
    found: set[str] = set()

    def walk(value: Any, sensitive: bool) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, sensitive or secret_key(key))
        elif isinstance(value, list):
            for item in value:
                walk(item, sensitive)
        elif sensitive:
            _all_texts(value, found)

    walk(values, False)
    return found


def document_secrets(docs: Iterable[tuple[str, Any]]) -> set[str]:
    """The texts of kOps' secret fields in rendered documents, given as (kind, data)."""
    found: set[str] = set()
    for kind, data in docs:
        for field_kind, field in KOPS_FIELDS:
            if field_kind == kind:
                node: Any = data
                for part in field.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if node is not None:
                    _all_texts(node, found)
    return found


def for_documents(schema: Any, values: Any, docs: Iterable[Any] = ()) -> Secrets:
    """The secrets of one cluster from its values data and its rendered documents (anything
    with a `data`)."""
    pairs = [(str(d.data.get("kind", "")), d.data) for d in docs if isinstance(d.data, dict)]
    return for_cluster(schema, values, pairs)


def for_cluster(schema: Any, values: Any, docs: Iterable[tuple[str, Any]] = ()) -> Secrets:
    """The secrets of one cluster: from its values (by schema and by key name) and from the
    kOps secret fields of its rendered documents, given as (kind, data)."""
    texts, paths = schema_secrets(schema, values) if schema is not None else (set(), set())
    docs = list(docs)
    found = Secrets(texts | key_secrets(values) | document_secrets(docs), value_paths=paths)
    for kind, data in docs:
        found.mark(kind, data)
    return found
