"""Word segmentation and literal grams.

The Whoosh schema pickles `ChineseTokenizer` by this module's dotted path: keep the module and the
class where they are, or every existing index stops opening.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from whoosh.analysis import Token, Tokenizer

from .errors import DictionaryError
from .textnorm import normalize

DictWords = tuple[tuple[str, int, str], ...]


def parse_dictionary(text: str, source: str) -> DictWords:
    """Parse a jieba-style user dictionary: one `word [freq] [tag]` per line, # comments."""
    words = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        word = normalize(parts[0])
        if len(parts) > 1 and not parts[1].isdigit():
            raise DictionaryError(
                f"{source}:{lineno}: frequency must be a whole number, got {parts[1]!r}. "
                "Use lines of the form: 河长制 3000 n"
            )
        freq = int(parts[1]) if len(parts) > 1 else 0
        tag = parts[2] if len(parts) > 2 else "n"
        words.append((word, freq, tag))
    return tuple(words)


@cache
def builtin_dictionary() -> DictWords:
    """The policy vocabulary shipped with govsearch."""
    text = (
        resources.files("govsearch.indexer")
        .joinpath("data/policy_dict.txt")
        .read_text(encoding="utf-8")
    )
    return parse_dictionary(text, "policy_dict.txt")


def load_dictionary(path: Path | None) -> DictWords:
    """Built-in policy vocabulary plus an optional user dictionary file."""
    words = builtin_dictionary()
    if path is None:
        return words
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DictionaryError(
            f"cannot read dictionary {path}: {exc}. Give a UTF-8 text file, one word per line."
        ) from exc
    return words + parse_dictionary(text, str(path))


def dictionary_digest(words: DictWords) -> str:
    """Short stable fingerprint of a dictionary, recorded in the index."""
    h = hashlib.sha1()
    for word, freq, tag in words:
        h.update(f"{word}\t{freq}\t{tag}\n".encode())
    return h.hexdigest()[:12]


class _Segmenter:
    """jieba search-mode segmentation; rjieba (same algorithm and dictionary, Rust) when present."""

    def __init__(self, words: DictWords):
        try:
            import rjieba

            self.engine = "rjieba"
            self._impl = rjieba.Jieba()
            for word, freq, tag in words:
                self._impl.add_word(word, freq or None, tag)
            self._tokenize = self._impl.tokenize
        except ImportError:  # no wheel for this platform: fall back to the reference
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            self.engine = "jieba"
            self._impl = jieba.Tokenizer()
            for word, freq, tag in words:
                self._impl.add_word(word, freq or None, tag)

            def _tok(text: str, mode: str = "search") -> list[tuple[str, int, int]]:
                return list(self._impl.tokenize(text, mode=mode))

            self._tokenize = _tok

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return self._tokenize(text, mode="search")


_SEGMENTERS: dict[str, _Segmenter] = {}


def segmenter(words: DictWords) -> _Segmenter:
    """A segmenter loaded with these dictionary words (one per distinct dictionary per process)."""
    key = dictionary_digest(words)
    seg = _SEGMENTERS.get(key)
    if seg is None:
        seg = _SEGMENTERS[key] = _Segmenter(words)
    return seg


def _is_word(token: str) -> bool:
    return token.isalnum() or any(ch.isalnum() for ch in token)


def segment_normalized(text: str, words: DictWords | None = None) -> list[str]:
    """Word tokens of already-normalised text (punctuation and spaces dropped)."""
    seg = segmenter(builtin_dictionary() if words is None else words)
    return [w for w, _s, _e in seg.tokenize(text) if _is_word(w)]


def tokenize_words(text: str, words: DictWords | None = None) -> list[str]:
    """The word tokens the index holds for a piece of source text."""
    return segment_normalized(normalize(text), words)


def literal_grams(norm: str) -> set[str]:
    """Every character and every adjacent character pair of normalised text, skipping spaces.

    Query terms never contain whitespace (it separates terms), so grams that do are never asked
    for.
    """
    grams = set(norm)
    grams.update(map(operator.add, norm, norm[1:]))
    if any(ch.isspace() for ch in grams if len(ch) == 1):
        grams = {g for g in grams if not any(ch.isspace() for ch in g)}
    return grams


def query_grams(term: str) -> list[str]:
    """The grams whose posting lists together contain every paragraph holding term."""
    if len(term) == 1:
        return [term]
    return list(dict.fromkeys(term[i : i + 2] for i in range(len(term) - 1)))


#: Separates the parts of an indexed value: paragraph text, its heading, its document's title.
PART_SEPARATOR = "\x1f"
#: Weight of a word found in each part. Whoosh's Frequency format sums token boosts into the
#: posting weight, so folding heading and title words into the one field with these weights
#: is BM25F's weighted term frequency, at the cost of one posting per distinct word. A part
#: weighed 0 is not indexed at all. Tuned on the known-item evaluation (bench/eval_ranking.py):
#: heading and title words made finding a paragraph by its own words worse at every weight
#: tried (main had heading ×2, title ×1.5), so only the paragraph's words rank it.
PART_BOOSTS = (1.0, 0.0, 0.0)


def indexed_value(text: str, heading: str | None, title: str | None) -> str:
    """The value of the `words` field for a paragraph."""
    clean = (part.replace(PART_SEPARATOR, " ") for part in (text, heading or "", title or ""))
    return PART_SEPARATOR.join(clean)


class ChineseTokenizer(Tokenizer):
    """Whoosh tokenizer: normalise, then jieba search mode, sequential positions.

    A value made by `indexed_value` yields the paragraph's words, then its heading's and its
    title's with higher boosts. The dictionary words travel inside the pickled schema, so an
    index is always queried with the dictionary it was built with.
    """

    def __init__(self, words: Iterable[tuple[str, int, str]] = ()):
        self.words: DictWords = tuple(tuple(w) for w in words)  # type: ignore[misc]

    def __getstate__(self) -> dict:
        return {"words": self.words}

    def __setstate__(self, state: dict) -> None:
        self.words = state["words"]

    def _segmenter(self) -> _Segmenter:
        seg = self.__dict__.get("_seg")
        if seg is None:
            seg = self.__dict__["_seg"] = segmenter(self.words)
        return seg

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChineseTokenizer) and other.words == self.words

    def __hash__(self) -> int:
        return hash(self.words)

    def __call__(  # noqa: PLR0913 - Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        offset = start_char
        seg = self._segmenter()
        for part, boost in zip(value.split(PART_SEPARATOR), PART_BOOSTS, strict=False):
            if boost <= 0:  # a part weighed 0 is left out, from the field's length too
                offset += len(part) + 1
                continue
            for word, start, end in seg.tokenize(normalize(part)):
                if not _is_word(word):
                    continue
                token.text = word
                token.boost = boost
                token.stopped = False
                if keeporiginal:
                    token.original = word
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = offset + start
                    token.endchar = offset + end
                yield token
            offset += len(part) + 1
