"""What every command shares: exit codes, the group that turns errors into one line and an exit
code, the --index option and where the index is, option checks, and the output helpers that more
than one command prints with.

Every command module imports this one; it imports none of them.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import sys
from pathlib import Path

import click

EXIT_HITS, EXIT_NO_HITS, EXIT_USAGE, EXIT_ENV, EXIT_INTERNAL = 0, 1, 2, 3, 4


# -- the index -----------------------------------------------------------------------------


def default_index_dir() -> Path:
    """Per-user data directory (platformdirs), e.g. ~/.local/share/govsearch/index."""
    import platformdirs

    return Path(platformdirs.user_data_dir("govsearch", appauthor=False)) / "index"


def index_option(f):
    """The --index option (or GOVSEARCH_INDEX) every command that reads or writes an index has."""
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="GOVSEARCH_INDEX",
        show_envvar=True,
        help="Index directory [default: the per-user data directory].",
    )(f)


def resolve_index(index_dir: Path | None) -> Path:
    """The index directory given, or the per-user default (not created here)."""
    return index_dir if index_dir is not None else default_index_dir()


def seed_files() -> list[Path]:
    """The bundled sample reports, in name order."""
    from importlib import resources

    root = resources.files("govsearch.seeds")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt"))


def ensure_index(index_dir: Path | None) -> Path:
    """The index to use; at the default location it is built from the bundled seeds first.

    An index named with --index or GOVSEARCH_INDEX is never created behind the user's back:
    a missing one is an error that names the command to build it.
    """
    from govsearch.indexer.store import current_generation

    if index_dir is not None:
        return index_dir
    index_dir = default_index_dir()
    if current_generation(index_dir) is not None:
        return index_dir
    from govsearch.indexer import build_index

    click.echo(
        f"govsearch: no index at {index_dir} yet; building it from the bundled sample reports "
        "(seeds/). Index your own files with: govsearch index PATH...",
        err=True,
    )
    build_index(seed_files(), index_dir)
    return index_dir


# -- options -------------------------------------------------------------------------------


class FileName(click.ParamType):
    """A path to write or read, checked by the library (click.Path stats it, which fails on a
    NUL in the name with a traceback)."""

    name = "file"

    def convert(self, value, param, ctx) -> Path:
        return value if isinstance(value, Path) else Path(value)


FILE_NAME = FileName()


def check_filter_options(**options: str | None) -> None:
    """A bad --year names the option, not the year: filter it would become."""
    for name, value in options.items():
        if value is not None:
            check_option(f"--{name}", name, value)


def check_option(option: str, field: str, value: str) -> None:
    """A value given to `option` must make a valid `field:` filter; the message names option."""
    from govsearch.indexer import UsageError
    from govsearch.search import FilterValueError, make_field

    try:
        make_field(field, value)
    except FilterValueError as exc:
        raise UsageError(f"{option} {shlex.quote(value)} — {exc.option_reason}") from None


# -- query words on the command line ------------------------------------------------------

#: What a mistyped option looks like: ASCII letters (then letters, digits, - and _) after the
#: dashes. `-污染`, `-"湖长制"`, `-year:2020` and `-(扫黑 OR 除恶)` are query syntax instead.
OPTION_LIKE = re.compile(r"--?[A-Za-z][A-Za-z0-9_-]*")


class QueryCommand(click.Command):
    """A command whose arguments are query words.

    `-污染` (without 污染) must reach the query, so unknown options are not click errors; but a
    dash-word that looks like an option (`-l`, `--limt`) is a mistyped option, not a search
    for "without l": it is refused with the nearest real option. After `--` every word is
    query text.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        check_option_words(self, ctx, args)
        return super().parse_args(ctx, args)


def check_option_words(command: click.Command, ctx: click.Context, args: list[str]) -> None:
    """Refuse an option-like word that is no option of `command` (see QueryCommand)."""
    from govsearch.indexer import UsageError

    takes_value: dict[str, bool] = {name: False for name in ctx.help_option_names}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                takes_value[name] = not (param.is_flag or param.count)
    words = iter(args)
    for word in words:
        if word == "--":
            return
        if not word.startswith("-") or word == "-":
            continue
        name, eq, _value = word.partition("=") if word.startswith("--") else (word[:2], "", "")
        if name in takes_value:
            if takes_value[name] and not eq and len(word) == len(name):
                next(words, None)  # the option's value, whatever it looks like
            continue
        if OPTION_LIKE.fullmatch(word.partition("=")[0]):
            raise UsageError(unknown_option_message(word.partition("=")[0], takes_value))


def unknown_option_message(word: str, known: dict[str, bool]) -> str:
    """No such option, the nearest real one, and (for -x) how to exclude the word x instead."""
    longs = sorted(name for name in known if name.startswith("--"))
    if word.startswith("--"):
        near = difflib.get_close_matches(word, longs, n=1, cutoff=0.6)
    else:
        # -l for --limit, -c for --color or --count; a guess past the first letters misleads.
        near = [name for name in longs if name.startswith("-" + word)][:2]
    message = f"no such option: {word}"
    if near:
        message += f" (did you mean {' or '.join(near)}?)"
    if not word.startswith("--"):
        latin = word[1:]
        message += f'; to leave out paragraphs with "{latin}", write NOT {latin} or -"{latin}"'
    return message


# -- errors --------------------------------------------------------------------------------


def one_line(message: str) -> str:
    """A message on one line: control characters from user input are shown escaped."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in message
    )


class ErrorHandlingGroup(click.Group):
    """Turns library errors into one-line messages with meaningful exit codes."""

    def invoke(self, ctx: click.Context):
        from govsearch.indexer import GovsearchError

        try:
            return super().invoke(ctx)
        except GovsearchError as exc:
            click.echo(f"Error: {one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted; the index is unchanged.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # Output piped into `head` and closed early: not an error for the user.
            sys.stderr.close()
            ctx.exit(EXIT_HITS)
        except Exception as exc:  # the last line of defence: never a traceback
            if os.environ.get("GOVSEARCH_DEBUG"):
                raise
            click.echo(
                f"Error: internal error ({type(exc).__name__}: {one_line(str(exc))}). "
                "Set GOVSEARCH_DEBUG=1 to see the traceback and report it.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


# -- output --------------------------------------------------------------------------------


def use_color(color: bool | None) -> bool:
    """--color/--no-color if given, else colour on a terminal unless NO_COLOR is set."""
    if color is not None:
        return color
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def mark(text: str, matches: list[tuple[int, int]], color: bool) -> str:
    """Text with each match wrapped: ANSI bold red on a terminal, 【…】 otherwise."""
    out, pos = [], 0
    for s, e in matches:
        out.append(text[pos:s])
        out.append(click.style(text[s:e], fg="red", bold=True) if color else f"【{text[s:e]}】")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def where(path: str, line: int | None, page: int | None, ocr_confidence: float | None) -> str:
    """Where a paragraph is: path:line, or path (page N), and [OCR 97%] for recognised text."""
    out = f"{display_path(path)}:{line}" if line else display_path(path)
    if page:
        out += f" (page {page})"
    if ocr_confidence is not None:
        # Recognised text may hold misread characters: say so where the paragraph is named.
        out += f"  [OCR {ocr_confidence:.0%}]"
    return out


def display_width(text: str) -> int:
    """Terminal columns: CJK and full-width characters take two, combining marks none."""
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def pad(text: str, width: int) -> str:
    """Left-justify to `width` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def pad_left(text: str, width: int) -> str:
    """Right-justify to `width` terminal columns."""
    return " " * max(0, width - display_width(text)) + text


def output_option(f):
    """--output FILE and --force, for commands that write csv/xlsx (and the others) to a file."""
    f = click.option("--force", is_flag=True, help="Replace the --output file if it exists.")(f)
    return click.option(
        "--output", "-o", type=FILE_NAME,
        help="Write to this file instead of stdout (xlsx needs one). Written completely or "
        "not at all.",
    )(f)  # fmt: skip


def emit(fmt: str, output: Path | None, force: bool, write_text, write_csv, write_xlsx) -> None:
    """Send one result to stdout or, atomically, to --output, in the chosen format."""
    from govsearch.search.export import atomic_output

    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx writes a file: add --output FILE.xlsx")
    if output is None:
        if fmt == "csv":
            sys.stdout.flush()
            write_csv(sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            write_text(click.echo)
        return
    with atomic_output(output, force=force) as tmp:
        if fmt == "xlsx":
            write_xlsx(tmp)
        elif fmt == "csv":
            with open(tmp, "wb") as fh:
                write_csv(fh)
        else:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                write_text(lambda line="": fh.write(f"{line}\n"))
    click.echo(f"wrote {output}", err=True)


def display_path(path: str) -> str:
    """A path relative to the working directory when it lies below it, else as stored."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path
