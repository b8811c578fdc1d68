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

import numpy as np
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
        """Search mode, as the index holds words: each word, and before it its shorter
        dictionary words (中华人民共和国 also gives 中华, 人民, 共和国 ...)."""
        return self._tokenize(text, mode="search")

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """Precise mode: the text cut into words that do not overlap (the longest of each
        search-mode group), with their [start, end) offsets; punctuation included."""
        return self._tokenize(text, mode="default")


_SEGMENTERS: dict[str, _Segmenter] = {}


def index_dictionary(meta: dict) -> DictWords:
    """The dictionary an index was built with: the built-in words and its user words."""
    user = tuple(tuple(w) for w in meta.get("user_dictionary", []))
    return builtin_dictionary() + user  # type: ignore[operator]


def segmenter(words: DictWords) -> _Segmenter:
    """A segmenter loaded with these dictionary words (one per distinct dictionary per process)."""
    key = dictionary_digest(words)
    seg = _SEGMENTERS.get(key)
    if seg is None:
        seg = _SEGMENTERS[key] = _Segmenter(words)
    return seg


def is_word(token: str) -> bool:
    """Whether a token is a word the index holds (it has a letter or digit): not punctuation."""
    return token.isalnum() or any(ch.isalnum() for ch in token)


def segment_normalized(text: str, words: DictWords | None = None) -> list[str]:
    """Word tokens of already-normalised text (punctuation and spaces dropped)."""
    seg = segmenter(builtin_dictionary() if words is None else words)
    return [w for w, _s, _e in seg.tokenize(text) if is_word(w)]


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


# A gram's key in the gram postings: its code points plus one, 21 bits each (a single character
# has 0 as its second), so keys sort by first character and fit 42 bits.
_CP_BITS = 21
#: Paragraphs per call of gram_postings (their local numbers share a key's 64 bits).
GRAM_BATCH_LIMIT = 1 << 17


def gram_key(gram: str) -> int:
    """The key of a literal gram (one character or two) in the gram postings."""
    first = (ord(gram[0]) + 1) << _CP_BITS
    return first | (ord(gram[1]) + 1) if len(gram) == 2 else first


@cache
def _space_table() -> np.ndarray:
    """A mask over code points up to the last whitespace character: str.isspace, as a table."""
    # U+3000 (ideographic space) is the last whitespace character of every Unicode version
    # since 3.0: looking at the 1.1 million code points above it took a second per process.
    spaces = [c for c in range(0x3001) if chr(c).isspace()]
    table = np.zeros(max(spaces) + 2, dtype=bool)
    table[spaces] = True
    return table


def gram_postings(norms: list[str], first_pid: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys, paragraph ids) of the distinct grams of consecutive paragraphs (ids first_pid,
    first_pid + 1, ...): literal_grams of each, computed for all of them at once."""
    if not norms:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    if len(norms) > GRAM_BATCH_LIMIT:
        raise ValueError("too many paragraphs for one batch")
    # A newline (whitespace) after each paragraph: no gram spans two of them.
    joined = "\n".join(norms) + "\n"
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), "<u4")
    table = _space_table()
    space = table[np.minimum(cps, table.size - 1)]
    local = np.repeat(
        np.arange(len(norms), dtype=np.uint64),
        np.fromiter(map(len, norms), np.int64, len(norms)) + 1,
    )
    singles = (cps.astype(np.uint64) + 1) << _CP_BITS
    pair_ok = ~space[:-1] & ~space[1:]
    keys = np.concatenate(
        [singles[~space], singles[:-1][pair_ok] | (singles[1:][pair_ok] >> _CP_BITS)]
    )
    owners = np.concatenate([local[~space], local[:-1][pair_ok]])
    del singles, local, space, cps
    shift = np.uint64(17)
    both = np.unique((keys << shift) | owners)
    return both >> shift, (both & np.uint64(GRAM_BATCH_LIMIT - 1)).astype(np.int64) + first_pid


def word_key(word: str) -> int:
    """The key of an indexed word in the word postings: 63 bits of its BLAKE2b hash."""
    digest = hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


#: Separates the parts of an indexed value: paragraph text, its heading, its document's title.
PART_SEPARATOR = "\x1f"
#: Weight of a word found in each part. Whoosh's Frequency format sums token boosts into the
#: posting weight, so folding heading and title words into the one field with these weights
#: is BM25F's weighted term frequency, at the cost of one posting per distinct word. A part
#: weighed 0 is not indexed at all. Tuned on the known-item evaluation (bench/eval_ranking.py):
#: heading and title words made finding a paragraph by its own words worse at every weight
#: tried (main had heading ×2, title ×1.5), so only the paragraph's words rank it.
PART_BOOSTS = (1.0, 0.0, 0.0)


#: Starts a value whose words were segmented already (see pretokenized).
PRETOKENIZED = "\x1d"
#: Separates the words of a part in a pre-tokenized value.
WORD_SEPARATOR = "\x1e"


def indexed_value(text: str, heading: str | None, title: str | None) -> str:
    """The value of the `words` field for a paragraph."""
    clean = (part.replace(PART_SEPARATOR, " ") for part in (text, heading or "", title or ""))
    return PART_SEPARATOR.join(clean)


def part_words(text: str, words: DictWords, part: int = 0) -> list[str]:
    """The indexed words of one part (0 paragraph text, 1 heading, 2 title), in order; none
    for a part weighed 0 (not indexed, so not segmented)."""
    if part < len(PART_BOOSTS) and PART_BOOSTS[part] <= 0:
        return []
    return segment_normalized(normalize(text), words)


def weighted_words(parts: list[list[str]]) -> Iterator[tuple[str, float]]:
    """The tokens the index holds for a paragraph's parts, with each part's boost.

    The one definition of what is indexed: the tokenizer yields these to Whoosh, and the build
    derives the word postings from them, so both hold the same words, weights and lengths.
    """
    for words, boost in zip(parts, PART_BOOSTS, strict=False):
        if boost <= 0:  # a part weighed 0 is left out, from the field's length too
            continue
        for word in words:
            yield word, boost


def pretokenized(parts: list[list[str]]) -> str:
    """A `words` value that carries its segmentation: the tokenizer splits it, no jieba."""
    return PRETOKENIZED + PART_SEPARATOR.join(WORD_SEPARATOR.join(ws) for ws in parts)


def _pretokenized_parts(value: str) -> list[list[str]]:
    return [p.split(WORD_SEPARATOR) if p else [] for p in value[1:].split(PART_SEPARATOR)]


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

        def emit(word: str, boost: float) -> Token:
            nonlocal pos
            token.text = word
            token.boost = boost
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            return token

        if value.startswith(PRETOKENIZED):
            # Segmented by the build already: words and boosts as weighted_words gives them.
            for word, boost in weighted_words(_pretokenized_parts(value)):
                yield emit(word, boost)
            return
        seg = self._segmenter()
        for part, boost in zip(value.split(PART_SEPARATOR), PART_BOOSTS, strict=False):
            if boost <= 0:  # a part weighed 0 is left out, from the field's length too
                offset += len(part) + 1
                continue
            for word, start, end in seg.tokenize(normalize(part)):
                if not is_word(word):
                    continue
                emit(word, boost)
                if chars:
                    token.startchar = offset + start
                    token.endchar = offset + end
                yield token
            offset += len(part) + 1
