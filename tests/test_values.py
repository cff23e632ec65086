from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clustermgr.errors import UsageError
from clustermgr.problems import Location
from clustermgr.values.layers import LayerCache, Origin, build_values, expand_values_paths


def layers(root: Path, *names: str) -> list[tuple[Path, str]]:
    return [(root / n, n) for n in names]


def test_merge_rules(write: Callable[..., Path]) -> None:
    root = write(
        {
            "base.yaml": """
                maps: {keep: 1, change: 1, nested: {a: 1}}
                list: [1, 2, 3]
                scalar: x
                nulled: {a: 1}
                mapOverScalar: text
            """,
            "top.yaml": """
                maps: {change: 2, nested: {b: 2}, new: 3}
                list: [9]
                nulled: null
                mapOverScalar: {now: map}
            """,
        }
    )
    values = build_values(layers(root, "base.yaml", "top.yaml"))
    assert values.data == {
        "maps": {"keep": 1, "change": 2, "nested": {"a": 1, "b": 2}, "new": 3},
        "list": [9],
        "scalar": "x",
        "nulled": None,
        "mapOverScalar": {"now": "map"},
    }


def test_every_leaf_knows_its_origin_and_what_it_overrode(write: Callable[..., Path]) -> None:
    root = write(
        {
            "a.yaml": "size: 1\nzones: [x, y]\nkeep: true\n",
            "b.yaml": "size: 2\n",
            "c.yaml": "size: 3\nzones: [z]\n",
        }
    )
    values = build_values(layers(root, "a.yaml", "b.yaml", "c.yaml"), sets=["size=4"])
    assert values.origins[("size",)] == Origin(
        "--set size=…", None, ("c.yaml:1:7", "b.yaml:1:7", "a.yaml:1:7")
    )
    assert values.origins[("zones",)].source == "c.yaml:2:1"
    assert values.origins[("zones",)].overrides == ("a.yaml:2:1",)
    assert values.origins[("zones", 0)].source == "c.yaml:2:9"
    assert ("zones", 1) not in values.origins  # the old list is gone, and so are its origins
    keep = values.origin(("keep",))
    assert keep is not None and (keep.source, keep.overrides) == ("a.yaml:3:7", ())
    assert keep.key_location == Location("a.yaml", 3, 1)  # the key, for "unexpected key"
    assert values.layers == ["a.yaml", "b.yaml", "c.yaml", "--set size=…"]


def test_set_before_set_string_whatever_the_order(write: Callable[..., Path]) -> None:
    values = build_values([], sets=["a=1", "b=true"], set_strings=["a=2"])
    assert values.data == {"a": "2", "b": True}
    assert values.origins[("a",)].source == "--set-string a=…"
    assert values.origins[("a",)].overrides == ("--set a=…",)


def test_set_creates_parents_with_an_origin() -> None:
    values = build_values([], sets=["x.y.z=1"])
    assert values.origin(("x",)) == Origin("--set x.y.z=…")
    assert values.origin(("x", "y", "z")) == Origin("--set x.y.z=…")


def test_layer_files_are_not_mutated_by_merging(write: Callable[..., Path]) -> None:

    root = write(
        {"shared.yaml": "m: {a: 1}\n", "one.yaml": "m: {b: 2}\n", "two.yaml": "m: {c: 3}\n"}
    )
    cache = LayerCache()
    first = build_values(layers(root, "shared.yaml", "one.yaml"), cache=cache)
    second = build_values(layers(root, "shared.yaml", "two.yaml"), cache=cache)
    assert first.data == {"m": {"a": 1, "b": 2}}
    assert second.data == {"m": {"a": 1, "c": 3}}


def test_values_directories_are_walked_in_lexical_order(write: Callable[..., Path]) -> None:
    root = write(
        {
            "v/b.yaml": "x: b\n",
            "v/a/z.yaml": "x: az\n",
            "v/.hidden.yaml": "x: h\n",
            "v/c.yaml": "y: 1\n",
        }
    )
    files = expand_values_paths([str(root / "v")])
    assert [p.relative_to(root / "v").as_posix() for p in files] == ["a/z.yaml", "b.yaml", "c.yaml"]
    with pytest.raises(UsageError, match=r"values file not found: nope\.yaml"):
        expand_values_paths(["nope.yaml"])


def test_default_only_when_unset() -> None:
    values = build_values([], sets=["clusterName=from-values"])
    values.default("clusterName", "from-arg", "argument")
    assert values.data["clusterName"] == "from-values"
    values = build_values([])
    values.default("clusterName", "from-arg", "argument")
    assert values.data["clusterName"] == "from-arg"
    assert values.origins[("clusterName",)] == Origin("argument")


def test_the_layer_cache_keeps_shared_layers_and_lets_cluster_files_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet run reads every cluster's own file once: the cache keeps the most recently
    used files, so shared layers stay and memory does not grow with the fleet."""
    monkeypatch.setattr(LayerCache, "KEEP", 3)
    shared = tmp_path / "_defaults.yaml"
    shared.write_text("a: 1\n")
    cache = LayerCache(persist=False)
    first = cache.load(shared, "_defaults.yaml")
    for i in range(10):
        own = tmp_path / f"c{i}.yaml"
        own.write_text(f"name: c{i}\n")
        assert cache.load(own, own.name).data == {"name": f"c{i}"}
        assert cache.load(shared, "_defaults.yaml") is first  # never read again
    assert len(cache._docs) == 3
