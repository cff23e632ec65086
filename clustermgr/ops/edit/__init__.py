"""`set` and `promote`: change values where they are set, in files people own, and never lose
data. An edit is addressed at what is there (request.py, resolve.py), written through a round
trip that keeps every other byte (text.py), proved against the effective values it meant
before anything is written (plan.py), shown with what it does (effect.py), and written so that
it cannot half-happen (write.py)."""

from clustermgr.ops.edit.effects import (
    Effect,
    commit,
    effect,
    preview,
    promotion,
    staged,
    targets,
    unified,
)
from clustermgr.ops.edit.plan import LAYERS, Edit, EditError, Plan, plan
from clustermgr.ops.edit.request import (
    Change,
    parse_assignment,
    parse_file_assignment,
    parse_path,
    parse_unset,
)
from clustermgr.ops.edit.text import Layout, edit_text

__all__ = [
    "LAYERS",
    "Change",
    "Edit",
    "EditError",
    "Effect",
    "Layout",
    "Plan",
    "commit",
    "edit_text",
    "effect",
    "parse_assignment",
    "parse_file_assignment",
    "parse_path",
    "parse_unset",
    "plan",
    "preview",
    "promotion",
    "staged",
    "targets",
    "unified",
]
