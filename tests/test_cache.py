"""The per-user caches: parsed YAML by content hash, compiled templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermgr import yamlio
from clustermgr.errors import YAMLError
from clustermgr.render.environment import Renderer, SandboxOptions, Source
from clustermgr.yamlio import compose as yamlparse


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLUSTERMGR_CACHE_DIR", str(folder))
    return folder


def test_parsed_yaml_is_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: 1\nb: [x, {c: yes}]\n"
    first = yamlio.load_documents(text, "one.yaml")
    assert len(list((cache / "yaml").iterdir())) == 1

    def refuse(*args: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(yamlparse, "parse", refuse)
    again = yamlio.load_documents(text, "two.yaml")
    assert [(d.data, d.positions) for d in again] == [(d.data, d.positions) for d in first]
    assert str(again[0].location(("b", 1, "c"))) == "two.yaml:2:12"


def test_a_broken_cache_entry_is_ignored(cache: Path) -> None:
    yamlio.load_documents("a: 1\n", "f.yaml")
    (entry,) = (cache / "yaml").iterdir()
    entry.write_bytes(b"garbage")
    assert yamlio.load_documents("a: 1\n", "f.yaml")[0].data == {"a": 1}


def test_errors_are_not_cached(cache: Path) -> None:
    with pytest.raises(YAMLError):
        yamlio.load_documents("a: [\n", "f.yaml")
    assert list((cache / "yaml").iterdir()) == []


def test_compiled_templates_are_never_read_from_the_cache(cache: Path, tmp_path: Path) -> None:
    # Jinja's bytecode cache is pickle: a planted file would run code. There is none.
    (cache / "jinja").mkdir(parents=True)
    (cache / "jinja" / "planted").write_bytes(b"\x80\x04not-a-template")
    (tmp_path / "t.j2").write_text("x: {{ x }}\n")
    renderer = Renderer([Source(tmp_path / "t.j2", "t.j2")], [], SandboxOptions())
    assert [d.text for d in renderer.render({"x": 1})] == ["x: 1\n"]
    assert [p.name for p in (cache / "jinja").iterdir()] == ["planted"]
