"""Stage 1½, compile: a wildcard or a regular expression, ready to run over normalised text.

A wildcard term (?长制, 营?环境, *长制) becomes a core expression over the paragraph's normalised
text: `?` is one character that is a letter, digit or Han character (str.isalnum), a `*` between
two characters is at most MAX_STAR of them (as few as fit), and a `*` at either end is kept as
a flag: it completes the segmenter word the match stands in (patterns.py applies it). A
regular expression (/河.{0,3}制/) is Python `re` syntax, checked by `re`: its non-ASCII
characters are normalised as the text is (河長制 = 河长制, （ = a literal "(") and its ASCII
letters lower-cased; backreferences, conditionals, nested quantifiers such as (a+)+ and
expressions that match the empty string are refused; `regex` runs it with a time limit.

From the expression's parse tree (re._parser) comes what every match must contain (Russ Cox,
"Regular Expression Matching with a Trigram Index", 2012, for our character and pair grams): an
AND/OR tree of strings whose paragraphs are found through the literal index; only those
candidates are read. Hands on a Plan. Nothing here reads an index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from re import _constants as sre
from re import _parser as sre_parse

from govsearch.indexer import QueryError
from govsearch.indexer.textnorm import normalize

#: Longest regular expression accepted, in characters between the slashes.
MAX_REGEX = 200
#: Characters a `*` between two characters of a wildcard stands for, at most.
MAX_STAR = 8
#: A wildcard's `?`: a letter, digit or Han character (what str.isalnum accepts), in re syntax
#: and as `regex` runs it.
WORD_CHAR = r"[^\W_]"
RUN_WORD_CHAR = r"[\p{L}\p{N}]"
#: Strings an analysed node may stand for before only their first and last characters are kept.
MAX_EXACT = 64
#: Boundary pairs (last character × first character) tried where two parts meet.
MAX_PAIRS = 64
WILDCARDS = "?*"


# -- what a match must contain -------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """The paragraph contains this string (no whitespace: a term of the literal index)."""

    text: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Need, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Need, ...]


class _Anything:
    """No requirement: every paragraph is a candidate."""

    def __repr__(self) -> str:
        return "ANYTHING"


ANYTHING = _Anything()
Need = Lit | AllOf | AnyOf | _Anything


def all_of(parts) -> Need:
    """AND, flattened, without duplicates and without ANYTHING."""
    out: list[Need] = []
    for p in parts:
        for q in p.parts if isinstance(p, AllOf) else (p,):
            if q is not ANYTHING and q not in out:
                out.append(q)
    if not out:
        return ANYTHING
    return out[0] if len(out) == 1 else AllOf(tuple(out))


def any_of(parts) -> Need:
    """OR, flattened, without duplicates; ANYTHING if any part is."""
    out: list[Need] = []
    for p in parts:
        if p is ANYTHING:
            return ANYTHING
        for q in p.parts if isinstance(p, AnyOf) else (p,):
            if q not in out:
                out.append(q)
    if not out:
        return ANYTHING
    return out[0] if len(out) == 1 else AnyOf(tuple(out))


def contains(text: str) -> Need:
    """What a paragraph holding `text` holds: its whitespace-free pieces (grams never span a
    space)."""
    return all_of(Lit(piece) for piece in text.split())


def describe(need: Need) -> str:
    """A need as --explain prints it: 长制, (河长 AND 湖长), (一是 OR 二是)."""
    if need is ANYTHING:
        return "(nothing)"
    if isinstance(need, Lit):
        return need.text
    joiner = " AND " if isinstance(need, AllOf) else " OR "
    inner = [describe(p) for p in need.parts[:8]]
    more = f"{joiner}… {len(need.parts) - 8} more" if len(need.parts) > 8 else ""
    return "(" + joiner.join(inner) + more + ")"


def longest_literal(need: Need) -> int:
    """The longest string the need asks for (2 or more: a pair gram narrows the candidates)."""
    if isinstance(need, Lit):
        return len(need.text)
    if isinstance(need, AllOf):
        return max(map(longest_literal, need.parts))
    if isinstance(need, AnyOf):
        return min(map(longest_literal, need.parts))
    return 0


# -- analysis of the parse tree (Cox's method) ---------------------------------------------


@dataclass(frozen=True)
class _Info:
    #: Whether the node can match the empty string.
    empty: bool
    #: Every string the node can match, when there are few (None: unknown or too many).
    exact: frozenset[str] | None
    #: First and last characters of its non-empty matches (None: any character).
    first: frozenset[str] | None
    last: frozenset[str] | None
    #: What a paragraph it matches in must contain.
    need: Need
    #: No anchor, lookaround, atomic group or possessive repeat: the set of strings is all
    #: that decides a match, so a paragraph holding one of `exact` matches.
    pure: bool = True


def _exact(strings, pure: bool = True) -> _Info:
    strings = frozenset(strings)
    nonempty = [s for s in strings if s]
    return _Info(
        empty="" in strings,
        exact=strings,
        first=frozenset(s[0] for s in nonempty),
        last=frozenset(s[-1] for s in nonempty),
        need=ANYTHING if "" in strings else any_of(contains(s) for s in sorted(strings)),
        pure=pure,
    )


_ONE_UNKNOWN = _Info(False, None, None, None, ANYTHING)
_EMPTY_ASSERTION = _Info(True, frozenset([""]), frozenset(), frozenset(), ANYTHING, pure=False)


def _inexact(x: _Info) -> _Info:
    return _Info(x.empty, None, x.first, x.last, x.need, x.pure)


def _union(a: frozenset | None, b: frozenset | None) -> frozenset | None:
    return None if a is None or b is None else a | b


def _concat(a: _Info, b: _Info) -> _Info:
    pure = a.pure and b.pure
    if a.exact is not None and b.exact is not None and len(a.exact) * len(b.exact) <= MAX_EXACT:
        return _exact((x + y for x, y in product(a.exact, b.exact)), pure)
    needs = [a.need, b.need]
    if not a.empty and not b.empty and a.last is not None and b.first is not None:
        if 0 < len(a.last) * len(b.first) <= MAX_PAIRS:
            # Where the two meet, a's last character stands right before b's first.
            pairs = sorted(x + y for x in a.last for y in b.first)
            needs.append(any_of(contains(p) for p in pairs))
    return _Info(
        empty=a.empty and b.empty,
        exact=None,
        first=_union(a.first, b.first) if a.empty else a.first,
        last=_union(a.last, b.last) if b.empty else b.last,
        need=all_of(needs),
        pure=pure,
    )


def _alternation(infos: list[_Info]) -> _Info:
    pure = all(i.pure for i in infos)
    if all(i.exact is not None for i in infos):
        strings = frozenset().union(*(i.exact for i in infos))  # type: ignore[arg-type]
        if len(strings) <= MAX_EXACT:
            return _exact(strings, pure)
    first = last = frozenset()
    for i in infos:
        first, last = _union(first, i.first), _union(last, i.last)
    return _Info(
        empty=any(i.empty for i in infos),
        exact=None,
        first=first,
        last=last,
        need=any_of(i.need for i in infos),
        pure=pure,
    )


def _repeat(lo: int, hi: int, x: _Info, pure: bool) -> _Info:
    if x.exact is not None and hi != sre.MAXREPEAT:
        strings: set[str] = {""} if lo == 0 else set()
        layer = {""}
        for k in range(1, hi + 1):
            layer = {a + b for a in layer for b in x.exact}
            if len(strings) + len(layer) > MAX_EXACT:
                break
            if k >= lo:
                strings |= layer
        else:
            return _exact(strings, pure and x.pure)
    needs = [x.need] if lo >= 1 else []
    if lo >= 2 and not x.empty and x.last is not None and x.first is not None:
        if 0 < len(x.last) * len(x.first) <= MAX_PAIRS:
            needs.append(any_of(contains(a + b) for a in sorted(x.last) for b in sorted(x.first)))
    return _Info(
        empty=lo == 0 or x.empty,
        exact=None,
        first=x.first,
        last=x.last,
        need=all_of(needs),
        pure=pure and x.pure,
    )


def _char_class(items) -> _Info:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < MAX_EXACT:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:  # NEGATE, CATEGORY, a wide range: any of many characters
            return _ONE_UNKNOWN
    return _exact(chars) if 0 < len(chars) <= MAX_EXACT else _ONE_UNKNOWN


def _analyse(seq) -> _Info:
    # Consecutive parts with known strings are joined first (长, 制 → 长制): their pairs are
    # what the index can look up; only then is the run joined to what came before.
    before: _Info | None = None
    run = _exact([""])
    for op, av in seq:
        x = _node(op, av)
        if run.exact is not None and x.exact is not None:
            if len(run.exact) * len(x.exact) <= MAX_EXACT:
                run = _concat(run, x)
                continue
        before = run if before is None else _concat(before, run)
        run = x
    return run if before is None else _concat(before, run)


def _node(op, av) -> _Info:
    if op is sre.LITERAL:
        return _exact([chr(av)])
    if op in (sre.NOT_LITERAL, sre.ANY):
        return _ONE_UNKNOWN
    if op is sre.IN:
        return _char_class(av)
    if op is sre.AT:
        return _EMPTY_ASSERTION
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        direction, sub = av
        inner = _analyse(sub)
        # What a positive lookahead or lookbehind sees must be in the paragraph too.
        need = inner.need if op is sre.ASSERT else ANYTHING
        return _Info(True, None, frozenset(), frozenset(), need, pure=False)
    if op is sre.SUBPATTERN:
        return _analyse(av[3])
    if op is sre.ATOMIC_GROUP:
        return _inexact_impure(_analyse(av))
    if op is sre.BRANCH:
        return _alternation([_analyse(alt) for alt in av[1]])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        return _repeat(lo, hi, _analyse(sub), pure=op is not sre.POSSESSIVE_REPEAT)
    raise QueryError(f"unsupported regular expression construct ({op})")


def _inexact_impure(x: _Info) -> _Info:
    return _Info(x.empty, x.exact, x.first, x.last, x.need, pure=False)


# -- checks ----------------------------------------------------------------------------------


def _walk(seq, inside_repeat: bool = False):
    """Every (op, av, inside an unbounded-or-multiple repeat) of a parse tree."""
    for op, av in seq:
        yield op, av, inside_repeat
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            yield from _walk(av[2], inside_repeat or av[1] > 1)
        elif op is sre.SUBPATTERN:
            yield from _walk(av[3], inside_repeat)
        elif op is sre.ATOMIC_GROUP:
            yield from _walk(av, inside_repeat)
        elif op is sre.BRANCH:
            for alt in av[1]:
                yield from _walk(alt, inside_repeat)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            yield from _walk(av[1], inside_repeat)
        elif op is sre.GROUPREF_EXISTS:
            yield op, av, inside_repeat


def _check(source: str, tree) -> None:
    for op, av, inside_repeat in _walk(tree):
        if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            raise QueryError(
                f"/{source}/: backreferences and conditionals (\\1, (?P=name), (?(1)…)) are "
                "not supported; write the repeated text out, or search for both parts"
            )
        if (
            inside_repeat
            and op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
            and av[1] == sre.MAXREPEAT
        ):
            raise QueryError(
                f"/{source}/: nested quantifiers such as (a+)+ can take exponential time "
                "(catastrophic backtracking); write the inner part once, e.g. (ab)+ or a+"
            )


#: Characters tried, in order, to join paragraphs for one call of the expression.
SEPARATORS = ("\n", "\x00", "\x1f", "\uffff", "。", ",")
_ONE_CHAR = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)
_LINE_ANCHORS = (sre.AT_BEGINNING, sre.AT_END)


def _can_match(op, av, state, ch: str) -> bool:
    """Whether a one-character node matches `ch` (compiled alone, flags as in the expression)."""
    from re import _compiler as sre_compile

    node = sre_parse.SubPattern(state, [(op, av)])
    return sre_compile.compile(node, state.flags).fullmatch(ch) is not None


def batch_separator(tree) -> str | None:
    """A character to join paragraphs with so that matching the joined text finds exactly what
    matching each paragraph alone does, or None.

    The expression must not be able to match the separator (so no match spans two paragraphs),
    nor look past it: no lookaround and no \\A or \\Z. ^ and $ are allowed with "\\n", the
    text then matched with MULTILINE (a paragraph holding "\\n" is matched alone). \\b and \\B
    see a separator as they see the end of the text: it is no word character.
    """
    nodes = list(_walk(tree))
    anchored = False
    for op, av, _inside in nodes:
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF, sre.GROUPREF_EXISTS):
            return None
        if op is sre.AT:
            if av in _LINE_ANCHORS:
                anchored = True
            elif av not in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY):
                return None
        if op is sre.SUBPATTERN and (av[1] | av[2]) & (re.DOTALL | re.MULTILINE):
            return None  # a local flag: compiled alone, its characters would not see it
    one = [(op, av) for op, av, _i in nodes if op in _ONE_CHAR]
    for sep in SEPARATORS[:1] if anchored else SEPARATORS:
        if not any(_can_match(op, av, tree.state, sep) for op, av in one):
            return sep
    return None


# -- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How to run a pattern over normalised paragraph text."""

    #: The pattern as the query gave it (a wildcard normalised; a regex between its slashes).
    source: str
    regex: bool
    #: The expression run over normalised text (a wildcard's core, without its edge stars).
    expression: str
    #: `*` at the start / end of a wildcard: the match completes the segmenter word there.
    lead_star: bool
    trail_star: bool
    #: What every matching paragraph contains.
    need: Need
    #: When the matched strings are known and nothing else decides a match: a paragraph
    #: matches exactly when it holds one of them (no text needs reading).
    exact: frozenset[str] | None
    #: The character paragraphs may be joined with for one call (see batch_separator), or None.
    separator: str | None
    #: The expression as the `regex` module runs it (a wildcard's ? as [\\p{L}\\p{N}]).
    run: str = ""
    #: Written with the VERBOSE flag: whitespace and # comments are not part of it.
    verbose: bool = False

    def compiled(self):
        """The expression compiled by `regex` (whose matching takes a time limit)."""
        return _compile(self.run or self.expression, 0)

    def batch_compiled(self):
        """The expression for paragraphs joined by the separator (^ and $ at each one)."""
        return _compile(self.run or self.expression, MULTILINE if self.separator == "\n" else 0)

    def first_compiled(self):
        """batch_compiled that also takes the rest of the paragraph after a match: one match per
        matching paragraph, where it first matches (the rest always matches, so a match starts
        where the expression's own first match does)."""
        run = self.run or self.expression
        flags = _GLOBAL_FLAGS.match(run)
        head = flags.group(0) if flags else ""
        rest = f"[^{re.escape(self.separator or chr(10))}]*"
        # A newline ends a trailing comment of a verbose expression (and is ignored in it).
        end = "\n" if self.verbose else ""
        expression = f"{head}(?:{run[len(head) :]}{end}){rest}"
        return _compile(expression, MULTILINE if self.separator == "\n" else 0)


_GLOBAL_FLAGS = re.compile(r"^(?:\(\?[aiLmsux]+\))+")


MULTILINE = 8


@lru_cache(maxsize=512)
def _compile(expression: str, multiline: int):
    import regex

    return regex.compile(expression, regex.VERSION0 | (regex.MULTILINE if multiline else 0))


def is_wildcard(text: str) -> bool:
    """Whether a (normalised) term is a wildcard pattern.

    A term whose only wildcard is one `?` at its end is a question (河长制？), not a pattern:
    it is searched as typed, and the punctuation suggestion offers it without the mark.
    """
    if not any(ch in WILDCARDS for ch in text):
        return False
    return not (text.endswith("?") and text.count("?") == 1 and "*" not in text and len(text) > 1)


@lru_cache(maxsize=512)
def wildcard_plan(text: str) -> Plan:
    """The plan of a wildcard term (already normalised): ?长制, 营?环境, *长制, 数字??."""
    core = text.strip("*")
    if not core.replace("?", "").replace("*", ""):
        raise QueryError(
            f"{text!r} is only wildcards: add at least one character to look for, e.g. ?长制"
        )
    parts, i = [], 0
    while i < len(core):
        ch = core[i]
        if ch == "?":
            parts.append(WORD_CHAR)
        elif ch == "*":
            while i + 1 < len(core) and core[i + 1] == "*":
                i += 1
            parts.append(f"{WORD_CHAR}{{0,{MAX_STAR}}}?")
        else:
            parts.append(re.escape(ch))
        i += 1
    expression = "".join(parts)
    tree = sre_parse.parse(expression)
    info = _analyse(tree)
    return Plan(
        source=text,
        regex=False,
        expression=expression,
        lead_star=text.startswith("*"),
        trail_star=text.endswith("*"),
        need=info.need,
        exact=info.exact if info.pure else None,
        separator="\n",
        # The same characters as [^\W_] in re (str.isalnum: Unicode letters and digits);
        # `regex` finds the literal part first, re tries the class at every position.
        run=expression.replace(WORD_CHAR, RUN_WORD_CHAR),
    )


def translate(source: str) -> str:
    """A regular expression as it runs over normalised text: non-ASCII characters normalised
    (a multi-character result grouped), ASCII letters lower-cased, escapes kept."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    class_start = -1
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            nxt = source[i + 1]
            if nxt == "N" and source[i + 2 : i + 3] == "{":
                end = source.find("}", i + 3)
                end = n - 1 if end < 0 else end
                out.append(source[i : end + 1])
                i = end + 1
                continue
            if not nxt.isascii():
                out.append(_literal(nxt, in_class))
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]" and i >= class_start:
                in_class = False
        elif ch == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a member, not the end.
            class_start = i + 2 if source[i + 1 : i + 2] == "^" else i + 1
            class_start += 1 if source[class_start : class_start + 1] == "]" else 0
        if ch.isascii():
            out.append(ch.lower())
        else:
            out.append(_literal(ch, in_class))
        i += 1
    return "".join(out)


def _literal(ch: str, in_class: bool) -> str:
    norm = normalize(ch)
    escaped = "".join(re.escape(c) for c in norm)
    return escaped if len(norm) == 1 or in_class else f"(?:{escaped})"


@lru_cache(maxsize=512)
def regex_plan(source: str) -> Plan:
    """The plan of a regular expression typed between slashes (as typed, not normalised)."""
    if len(source) > MAX_REGEX:
        raise QueryError(
            f"regular expression too long ({len(source)} characters; the limit is {MAX_REGEX})"
        )
    expression = translate(source)
    try:
        tree = sre_parse.parse(expression)
        re.compile(expression)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise QueryError(
            f"/{source}/ is not a valid regular expression: {exc.msg}{where} "
            "(Python re syntax; a literal / inside is written \\/)"
        ) from None
    except RecursionError:
        raise QueryError(f"/{source}/ nests too deeply; simplify it") from None
    _check(source, tree)
    try:
        info = _analyse(tree)
    except RecursionError:
        raise QueryError(f"/{source}/ nests too deeply; simplify it") from None
    if info.empty:
        raise QueryError(
            f"/{source}/ can match an empty string, so it would match every paragraph; make "
            "it need at least one character (河+ instead of 河*)"
        )
    return Plan(
        source=source,
        regex=True,
        expression=expression,
        lead_star=False,
        trail_star=False,
        need=info.need,
        exact=info.exact if info.pure else None,
        separator=batch_separator(tree),
        verbose=bool(tree.state.flags & re.VERBOSE),
    )
