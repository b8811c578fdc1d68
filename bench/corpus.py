"""The benchmark corpus: the shared test corpus and scaled copies of it."""

from __future__ import annotations

import json
import random
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

Key = tuple[str, int]  # (file name, 1-based line number): how paragraphs are matched across systems


def normalise(text: str) -> str:
    """The oracle's base normalisation: NFKC, then lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@cache
def _t2s() -> dict[int, str]:
    """Unambiguous traditional→simplified characters from OpenCC's TSCharacters table.

    A character that is also valid simplified text (乾, 於, 著) maps to itself, as in the engine.
    """
    data = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    table = {}
    for line in data.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        cands = simp.split()
        if len(trad) == 1 and cands and trad not in cands and len(cands[0]) == 1:
            table[ord(trad)] = cands[0]
    return table


def normaliser(t2s: bool) -> Callable[[str], str]:
    """NFKC + lower case, optionally followed by traditional→simplified folding."""
    if not t2s:
        return normalise
    table = _t2s()
    return lambda text: normalise(text).translate(table)


@dataclass
class Corpus:
    """A folder of one-paragraph-per-line .txt files plus its manifest.jsonl."""

    dir: Path
    manifest: Path
    scale: int = 1
    meta: dict[str, dict] = field(default_factory=dict)  # file name -> manifest record

    @classmethod
    def open(cls, folder: Path, manifest: Path | None = None, scale: int = 1) -> Corpus:
        manifest = manifest or folder / "manifest.jsonl"
        meta = {}
        with manifest.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    meta[rec["file"]] = rec
        files = sorted(p.name for p in folder.glob("*.txt"))
        missing = [f for f in files if f not in meta]
        if missing:
            raise SystemExit(
                f"{len(missing)} corpus files have no manifest record, e.g. {missing[0]}"
            )
        return cls(folder, manifest, scale, {f: meta[f] for f in files})

    @property
    def files(self) -> list[str]:
        return list(self.meta)

    def paths(self) -> list[Path]:
        return [self.dir / f for f in self.meta]

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.paths())

    def paragraphs(self):
        """Yield (file name, line number from 1, text) for every paragraph."""
        for name in self.meta:
            text = (self.dir / name).read_text(encoding="utf-8")
            for i, line in enumerate(text.split("\n"), 1):
                if line:
                    yield name, i, line


class Paragraphs:
    """All paragraphs of a corpus held in memory (the brute-force 'index' and the oracle)."""

    def __init__(self, corpus: Corpus, norm: Callable[[str], str] | None = None):
        self.corpus = corpus
        self.keys: list[Key] = []
        self.texts: list[str] = []
        self.file_of: list[int] = []  # index into file_meta, for metadata filters
        self.file_meta = list(corpus.meta.values())
        number = {name: n for n, name in enumerate(corpus.meta)}
        for name, line, text in corpus.paragraphs():
            self.keys.append((name, line))
            self.texts.append(norm(text) if norm else text)
            self.file_of.append(number[name])


#: Seed of the paragraph draws that make the scaled copies distinct documents.
SCALE_SEED = 20261207


def make_scaled(base: Corpus, scale: int, dest: Path) -> Corpus:
    """Write a corpus `scale` times the size of `base` into `dest`, made of distinct documents.

    Copy 1 is `base` itself (file names kept). Copy n >= 2 of each document (prefix xNN_) keeps
    its manifest record, its line layout and its first line (the title), and draws every other
    paragraph at random from the whole base corpus. Identical copies would be folded as
    near-duplicates (and would make the result sets grow exactly n-fold), so they would fake the
    scale; these are new documents of the same shape and vocabulary. The draws are seeded by
    (SCALE_SEED, n, file name): copy n is the same file at every scale that includes it.
    """
    if scale == 1:
        return base
    dest.mkdir(parents=True, exist_ok=True)
    pool = [text for _name, _line, text in base.paragraphs()]
    manifest = dest / "manifest.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        for n in range(1, scale + 1):
            prefix = "" if n == 1 else f"x{n:02d}_"
            for name, rec in base.meta.items():
                target = dest / (prefix + name)
                if n == 1:
                    shutil.copyfile(base.dir / name, target)
                else:
                    rng = random.Random(f"{SCALE_SEED}:{n}:{name}")
                    lines = (base.dir / name).read_text(encoding="utf-8").split("\n")
                    first = next((i for i, line in enumerate(lines) if line), len(lines))
                    drawn = [
                        line if i <= first or not line else rng.choice(pool)
                        for i, line in enumerate(lines)
                    ]
                    target.write_text("\n".join(drawn), encoding="utf-8", newline="")
                out.write(json.dumps({**rec, "file": prefix + name}, ensure_ascii=False) + "\n")
    return Corpus.open(dest, manifest, scale)


def scale_key(key: Key, copy: int) -> Key:
    """The key of the same paragraph in copy `copy` (1-based) of a scaled corpus."""
    return (key[0] if copy == 1 else f"x{copy:02d}_{key[0]}", key[1])
