"""Words shared by every stage: counted nouns, notes cut to fit GitLab."""

NOTE_LIMIT = 1_000_000  # GitLab's limit for a merge-request note


def count(number: int, noun: str) -> str:
    """`1 change`, `2 changes`."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def cut_note(text: str, tail: str, limit: int | None = None) -> str:
    """`text` cut at a line to fit `limit` characters with `tail` after it; a code fence or
    `<details>` block left open by the cut is closed, so the rest of the note renders."""
    limit = limit or NOTE_LIMIT
    if len(text) <= limit:
        return text
    room = limit - len(tail) - 64  # what closing the open blocks may add
    cut = text[:room].rsplit("\n", 1)[0]
    fences = sum(1 for line in cut.split("\n") if line.lstrip().startswith("```"))
    closing = "\n```" if fences % 2 else ""
    closing += "\n</details>" * max(0, cut.count("<details>") - cut.count("</details>"))
    return f"{cut}{closing}\n\n{tail}\n"
