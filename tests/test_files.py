"""files.read_bytes: what it reads, what it refuses before reading."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from clustermgr import files
from clustermgr.errors import YAMLError


def _refusal(path: Path) -> str:
    with pytest.raises(YAMLError) as info:
        files.read_bytes(path, "shown")
    return str(info.value)


def test_reads_a_regular_file_whole(tmp_path: Path) -> None:
    for size in (0, 1, 4095, 4096, 4097, 70_000):
        (tmp_path / "f").write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        assert files.read_bytes(tmp_path / "f") == (tmp_path / "f").read_bytes()


def test_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # opened without blocking, refused before any read
    assert _refusal(tmp_path / "fifo") == "shown: not a regular file (a FIFO or a device?)"
    assert _refusal(tmp_path) == "shown: is a directory, not a file"
    assert _refusal(tmp_path / "absent") == "shown: no such file"


def test_a_file_that_grows_while_read_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"a" * 10_000)
    real = os.fstat

    def stale(fd: int) -> Any:  # the size before a write that happened since
        info = real(fd)
        return os.stat_result((*info[:6], 100, *info[7:]))

    monkeypatch.setattr(files.os, "fstat", stale)
    assert files.read_bytes(tmp_path / "f") == b"a" * 10_000


def test_refuses_a_file_larger_than_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"a" * (files.limits.current().file_bytes + 1))
    assert _refusal(tmp_path / "big").startswith("shown: file too large: ")
