"""Results as pandas DataFrames, for notebooks (the optional extra govsearch[pandas]).

pandas is imported only when a result's `.to_pandas()` is called: importing govsearch.search
never imports it, and without it that call raises MissingDependency with the install command.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from govsearch.indexer import MissingDependency

INSTALL_HINT = "pip install 'govsearch[pandas]'"


def pandas_module():
    """The pandas module, or MissingDependency saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise MissingDependency(
            f"to_pandas() needs pandas, which is not installed; run: {INSTALL_HINT}"
        ) from None
    return pandas


def data_frame(columns: Sequence[str], rows: Iterable[Sequence]):
    """A DataFrame with these columns (kept even when there are no rows)."""
    pandas = pandas_module()
    return pandas.DataFrame.from_records(list(rows), columns=list(columns))
