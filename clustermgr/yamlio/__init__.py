"""YAML in and out: located documents read as kOps reads them, and kOps' output layout.

- load: files and streams into `Document`s that know the line and column of every node;
- compose: the libyaml parser behind load (imported only on a parse-cache miss);
- fast: rapidyaml, for uncached text where YAML 1.1 and 1.2 agree;
- emit: block-style YAML as `kops get -o yaml` prints it;
- paths: paths into loaded data and the one way they are printed.
"""

from clustermgr.yamlio.emit import dump, dump_all, is_plain, scalar
from clustermgr.yamlio.load import (
    Document,
    load_documents,
    load_each,
    load_mapping,
    mapping_from_text,
    read_text,
)
from clustermgr.yamlio.paths import Match, Part, YPath, format_path, iter_leaves

__all__ = [
    "Document",
    "Match",
    "Part",
    "YPath",
    "dump",
    "dump_all",
    "format_path",
    "is_plain",
    "iter_leaves",
    "load_documents",
    "load_each",
    "load_mapping",
    "mapping_from_text",
    "read_text",
    "scalar",
]
