"""Write docs/commands.md from the commands themselves.

python tools/command_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from clustermgr.cli.reference import markdown  # noqa: E402

if __name__ == "__main__":
    (REPO / "docs" / "commands.md").write_text(markdown(), encoding="utf-8")
    print("wrote docs/commands.md")
