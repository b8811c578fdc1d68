"""Quality evaluations: `python -m bench.eval [NAME...]` (`make eval`).

Each evaluation is a module `bench/eval_<name>.py` with a `main(argv) -> int` that prints its
table on stdout and writes its figures to `bench/results/eval_<name>.json`. Without names, every
evaluation present runs in turn. Names come first; everything from the first option on goes to
each evaluation, which ignores options that are not its own (`python -m bench.eval ranking
--seed 2`).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/eval.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the evaluations in this folder (eval_<name>.py)."""
    return sorted(p.stem[len("eval_") :] for p in HERE.glob("eval_*.py"))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    first_option = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    names = args[:first_option] or available()
    options = args[first_option:]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown evaluation(s): {', '.join(unknown)}; known: {', '.join(available())}",
              file=sys.stderr)  # fmt: skip
        return 2
    status = 0
    for name in names:
        module = importlib.import_module(f"bench.eval_{name}")
        status = max(status, module.main(options))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
