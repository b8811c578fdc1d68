"""Rebuild indexer/data/common_chars.txt: the Han characters common in government documents.

    python scripts/common_chars.py ../shared/corpus

The 1,000 most frequent Han characters of the corpus (simplified), followed by their
traditional forms from OpenCC's STCharacters table. Decoding uses it as evidence: a text read
with the right codec (GB18030 or Big5) is mostly made of these characters; the same bytes read
with the wrong one are mostly rare characters and private-use code points.
"""

from __future__ import annotations

import sys
from collections import Counter
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "indexer" / "data" / "common_chars.txt"
TOP = 1000


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    counts: Counter = Counter()
    for path in sorted(Path(argv[0]).glob("*.txt")):
        counts.update(ch for ch in path.read_text("utf-8") if "\u4e00" <= ch <= "\u9fff")
    simplified = [ch for ch, _n in counts.most_common(TOP)]
    table = resources.files("opencc").joinpath("dictionary/STCharacters.txt")
    variants: dict[str, list[str]] = {}
    for line in table.read_text("utf-8").splitlines():
        simp, _, trads = line.partition("\t")
        variants[simp] = trads.split()
    traditional = []
    for ch in simplified:
        for t in variants.get(ch, []):
            if t not in simplified and t not in traditional:
                traditional.append(t)
    OUT.write_text(
        "# govsearch: common Han characters (scripts/common_chars.py); simplified, then "
        "traditional forms\n" + "".join(simplified) + "\n" + "".join(traditional) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}: {len(simplified)} simplified, {len(traditional)} traditional")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
