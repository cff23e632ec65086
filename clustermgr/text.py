"""Words shared by every stage: counted nouns."""


def count(number: int, noun: str) -> str:
    """`1 change`, `2 changes`."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
