"""Documents of a rendered manifest: splitting, canonical formatting, joining."""

from __future__ import annotations

import re
from typing import NamedTuple

from clustermgr import yamlio
from clustermgr.errors import TemplateError, YAMLError
from clustermgr.problems import Location

# A separator line: `---`, then blanks or a comment (found from each `---` by str.find,
# which is several times faster than a multi-line regex scanning every line start)
_SEPARATOR_AT = re.compile(r"---[ \t]*(?:#[^\n]*)?$", re.M)
_MEANINGFUL = re.compile(r"^[ \t]*[^\s#]", re.M)


class RenderedDocument(NamedTuple):
    """One YAML document of rendered output, and the template it came from."""

    text: str
    template: str
    number: int  # 1-based position among the documents that template produced
    line: int  # line of the template's output where the document starts


def split_documents(text: str, template: str) -> list[RenderedDocument]:
    """Split on `---` lines; drop documents with nothing but blank lines and comments."""
    documents: list[RenderedDocument] = []
    start, line = 0, 1
    pieces: list[tuple[str, int]] = []
    at = text.find("---")
    while at != -1:
        found = (at == 0 or text[at - 1] == "\n") and _SEPARATOR_AT.match(text, at)
        if not found:
            at = text.find("---", at + 1)
            continue
        pieces.append((text[start:at], line))
        line += text.count("\n", start, found.end()) + 1
        start = found.end() + 1
        at = text.find("---", found.end())
    pieces.append((text[start:], line))
    for body, first_line in pieces:
        if not _MEANINGFUL.search(body):
            continue
        lead = len(body) - len(body.lstrip("\n"))  # blank lines before it
        documents.append(
            RenderedDocument(
                body.strip("\n") + "\n", template, len(documents) + 1, first_line + lead
            )
        )
    return documents


def join_documents(texts: list[str]) -> str:
    """Documents joined with `---` lines, as kOps joins them."""
    return "---\n".join(texts)


def format_document(doc: RenderedDocument) -> str | None:
    """--format-yaml: parse and re-emit canonically (sorted keys); None for an empty mapping."""
    name = f"{doc.template} (rendered document {doc.number})"
    try:
        parsed = yamlio.load_documents(doc.text, name)
    except YAMLError as exc:
        where = exc.location
        line = where.line if where else 0
        lines = doc.text.split("\n")
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        shown = f": {text!r}" if text else ""
        raise TemplateError(
            f"the rendered output is not valid YAML: {exc.message} "
            f"(rendered document {doc.number}, line {line}{shown})",
            Location(doc.template),
        ) from None
    if not parsed or parsed[0].data is None or parsed[0].data == {}:
        return None
    if len(parsed) > 1 or not isinstance(parsed[0].data, dict):
        raise TemplateError(
            f"rendered document {doc.number} is not one YAML mapping", Location(doc.template)
        )
    return yamlio.dump(parsed[0].data)
