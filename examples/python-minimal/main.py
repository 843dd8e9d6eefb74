"""python-minimal: the standard library only. Counts words and shows a small bar chart."""
from collections import Counter
from dataclasses import dataclass

TEXT = """
A sandbox is a container you can break. Edit a file, run it, break it,
and start again: the sandbox is cheap, and the container keeps the mess inside.
"""


@dataclass
class Word:
    text: str
    count: int

    def bar(self, scale: int = 3) -> str:
        return "#" * (self.count * scale)


def top_words(text: str, n: int = 5) -> list[Word]:
    words = [w.strip(".,:").lower() for w in text.split()]
    return [Word(w, c) for w, c in Counter(words).most_common(n)]


if __name__ == "__main__":
    for word in top_words(TEXT):
        print(f"{word.text:>10} {word.count:2} {word.bar()}")
    print("words in total:", len(TEXT.split()))
