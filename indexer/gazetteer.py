"""China's administrative divisions: province → city → county → township, with former names.

The data file `data/gazetteer.tsv` is derived from a maintained dataset by
scripts/refresh_gazetteer.py (source, date and licence are in its header). It is read at index
time only: search and the web server never load it, since each document's resolved region is
stored in the index.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["KINDS", "Gazetteer", "Unit", "data_version", "gazetteer", "short_forms"]

#: Unit kinds by the length of their significant code.
KINDS = {2: "province", 4: "city", 6: "county", 9: "street"}
#: The index's `level` value of each kind.
LEVEL_OF_KIND = {"province": "provincial", "city": "city", "county": "district", "street": "street"}

_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水"
    "|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克"
    "|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_AUTONOMOUS = re.compile(rf"(?:(?:{_ETHNIC})族)+自治(?:区|州|县|旗)$")
_SUFFIX = re.compile(
    r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|林区|特区|省|市|盟|县|区|旗)$"
)
# Short forms that are everyday words or name nothing on their own.
_NO_SHORT = frozenset({"城", "郊", "矿", "新", "开发", "高新", "市中", "城关", "中心", "东", "西"})


def short_forms(name: str) -> list[str]:
    """Shorter names a unit goes by (深圳市 → 深圳, 恩施土家族苗族自治州 → 恩施, 恩施州)."""
    out = []
    stem = _AUTONOMOUS.sub("", name)
    if stem == name:
        stem = _SUFFIX.sub("", name)
    if stem != name and len(stem) >= 2 and stem not in _NO_SHORT:
        out.append(stem)
        if name.endswith("自治州"):
            out.append(stem + "州")  # 恩施州
    if name.endswith("街道办事处"):
        out.append(name[: -len("办事处")])
    return out


@dataclass(frozen=True)
class Unit:
    """One administrative unit as the data names it."""

    code: str
    name: str
    parent: str
    #: For a unit that no longer exists: "YEAR>successor code".
    former: str | None = None

    @property
    def kind(self) -> str:
        """province, city, county or street."""
        return KINDS[len(self.code)]

    @property
    def level(self) -> str:
        """The index's level value: provincial, city, district or street."""
        return LEVEL_OF_KIND[self.kind]

    @property
    def adcode(self) -> str:
        """The division code as usually written: 6 digits (440300), 9 for townships."""
        return self.code.ljust(6, "0") if len(self.code) <= 6 else self.code


class Gazetteer:
    """Units by code and by every name they go by (full, short, former)."""

    def __init__(self, text: str):
        self.version = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        #: code → (name, parent code, former note or "").
        self.rows: dict[str, tuple[str, str, str]] = {}
        #: name → codes of the units with that full (or former) name.
        self.full: dict[str, list[str]] = {}
        #: short form → codes.
        self.short: dict[str, list[str]] = {}
        #: (code, former name) → year of the change.
        self.renamed: dict[tuple[str, str], str] = {}
        aliases = []
        full = self.full
        for line in text.splitlines():
            if not line or line[0] == "#":
                continue
            code, name, parent, *rest = line.split("\t") + ["", ""]
            if code[0] == "=":
                aliases.append((code[1:], name, rest[0]))
                continue
            self.rows[code] = (name, parent, rest[0])
            if name in full:
                full[name].append(code)
            else:
                full[name] = [code]
            if len(code) < 9:
                for s in short_forms(name):
                    self.short.setdefault(s, []).append(code)
        for code, name, year in aliases:
            full.setdefault(name, []).append(code)
            self.renamed[(code, name)] = year
            for s in short_forms(name):
                if s not in full:
                    self.short.setdefault(s, []).append(code)
        self.max_name = max(map(len, full))

    def unit(self, code: str) -> Unit:
        """The unit with this code."""
        name, parent, former = self.rows[code]
        return Unit(code, name, parent, former or None)

    def path(self, code: str) -> list[Unit]:
        """The unit and its ancestors, top first."""
        out = []
        while code:
            unit = self.unit(code)
            out.append(unit)
            code = unit.parent
        return out[::-1]

    def is_below(self, code: str, ancestor: str) -> bool:
        """Whether `code` is `ancestor` or lies under it."""
        while code:
            if code == ancestor:
                return True
            code = self.rows[code][1]
        return False

    def lookup(self, name: str, *, shorts: bool = True) -> list[str]:
        """Codes of the units that go by this name."""
        found = list(self.full.get(name, ()))
        if shorts:
            found += [c for c in self.short.get(name, ()) if c not in found]
        return found


def _data():
    return resources.files("govsearch.indexer") / "data" / "gazetteer.tsv"


@lru_cache(maxsize=1)
def data_version() -> str:
    """The bundled gazetteer's version (a digest of its file), without parsing it."""
    return hashlib.sha1(_data().read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer (loaded once per process, at index time only)."""
    return Gazetteer(_data().read_text("utf-8"))
