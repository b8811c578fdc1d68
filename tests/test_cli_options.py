"""Words that start with a dash on the command line: a mistyped option is an error that names the
real one; `-污染` and other non-Latin dash-words stay query syntax (without 污染)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsearch.cli import cli
from govsearch.indexer import build_index

DOC = "河长制工作纳入oa系统。\n河长制考核办法。\n河长制与水污染防治。\n防控COVID-19。\n"


@pytest.fixture(scope="module")
def latin_index(tmp_path_factory) -> Path:
    """河长制 in three paragraphs: one with 'oa', one with 污染, one with neither."""
    src = tmp_path_factory.mktemp("latin") / "a.txt"
    src.write_text(DOC, "utf-8")
    index_dir = tmp_path_factory.mktemp("latin-index")
    build_index([src], index_dir)
    return index_dir


def invoke(runner, index_dir: Path, *argv: str):
    return runner.invoke(cli, [*argv, "--index", str(index_dir)])


L_HINT = 'to leave out paragraphs with "l", write NOT l or -"l"'


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "河长制", "-l", "5", "--count"],
         f"no such option: -l (did you mean --limit?); {L_HINT}"),
        (["search", "河长制", "-r", "广东"],
         'no such option: -r (did you mean --region?); to leave out paragraphs with "r", '
         'write NOT r or -"r"'),
        (["search", "河长制", "--limt", "5"], "no such option: --limt (did you mean --limit?)"),
        (["search", "河长制", "--limt=5"], "no such option: --limt (did you mean --limit?)"),
        (["search", "河长制", "--anything"], "no such option: --anything"),
        (["search", "河长制", "-c"],
         'no such option: -c (did you mean --color or --count?); to leave out paragraphs with '
         '"c", write NOT c or -"c"'),
        # -oa used to mean "without oa"; it is refused now, with that reading offered.
        (["search", "-oa", "河长制"],
         'no such option: -oa; to leave out paragraphs with "oa", write NOT oa or -"oa"'),
        (["search", "河长制", "-COVID-19"],
         'no such option: -COVID-19; to leave out paragraphs with "COVID-19", write NOT '
         'COVID-19 or -"COVID-19"'),
        (["trend", "河长制", "-x"],
         'no such option: -x; to leave out paragraphs with "x", write NOT x or -"x"'),
        (["trend", "河长制", "--by", "year", "--yaer", "2018"],
         "no such option: --yaer (did you mean --year?)"),
    ],
)  # fmt: skip
def test_a_mistyped_option_is_a_usage_error_naming_the_real_one(runner, latin_index, argv,
                                                                 message):  # fmt: skip
    result = invoke(runner, latin_index, *argv)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message}\n"


@pytest.mark.parametrize(
    ("argv", "count"),
    [
        (["河长制"], "3\n"),
        (["河长制", "-污染"], "2\n"),
        (["-污染", "河长制"], "2\n"),
        (["河长制", "－污染"], "2\n"),  # the full-width minus of a Chinese input method
        (["河长制", "-oa系统"], "2\n"),  # mixed: query syntax, as `-o热线` always was
        (["河长制", "-year:2099"], "3\n"),
        (["河长制", '-"oa"'], "2\n"),
        (["河长制", "NOT", "oa"], "2\n"),
        (["河长制 -oa"], "2\n"),  # inside one quoted query a dash-word is query syntax
        (["河长制", "--", "-oa"], "2\n"),  # after -- every word is query text
        (["河长制", "-n1"], "3\n"),  # a real short option with its value attached
        (["河长制", "--limit=1"], "3\n"),
    ],
)  # fmt: skip
def test_query_dash_words_and_real_options_still_work(runner, latin_index, argv, count):
    # Options first: after `--` they would be query words too.
    result = runner.invoke(cli, ["search", "--count", "--index", str(latin_index), *argv])
    assert (result.exit_code, result.stdout, result.stderr) == (0, count, "")


def test_an_option_value_that_starts_with_a_dash_is_the_value(runner, latin_index):
    # The word after an option that takes a value is its value, never a mistyped option.
    result = invoke(runner, latin_index, "search", "河长制", "--year", "-x")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --year -x — a year is 4 digits, or a range like 2015..2020"
    )


def test_trend_keeps_a_chinese_exclusion_as_part_of_its_series(runner, latin_index):
    result = invoke(runner, latin_index, "trend", "河长制 -污染", "-污染", "--format", "json")
    assert result.exit_code == 0, result.stderr
    import json

    series = json.loads(result.stdout)["series"]
    assert [(s["series"], s["paragraphs"]) for s in series] == [("河长制 -污染", 2), ("-污染", 3)]
