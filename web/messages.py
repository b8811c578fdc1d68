"""Chinese wording of the library's English error messages, for the pages people read.

The library keeps one English message per error (the CLI and the JSON API show it as it is).
A page shows the Chinese wording found here, with the English original available beside it.
Messages are matched by pattern: the values a message carries (a field name, a year, a path)
are carried over. A message no pattern knows falls back to a Chinese sentence for its kind,
so a page never shows English alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .labels import LEVEL_LABELS

_FIELD_NAMES = {
    "year": "年份", "region": "地区", "title": "标题", "section": "章节", "level": "层级",
    "type": "文种", "docno": "文号", "date": "日期", "page": "页码", "per_page": "每页条数",
    "q": "查询", "per": "显示方式", "by": "分组", "min_count": "最少段落数", "top": "显示个数",
}  # fmt: skip

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _r(pattern: str, template: str | Callable[[re.Match[str]], str]) -> Rule:
    return re.compile(pattern, re.DOTALL), template


def _series(m: re.Match[str]) -> str:
    return f"系列“{m.group(1)}”：{to_chinese(m.group(2))}"


def _option(m: re.Match[str]) -> str:
    """`--year X — reason`: worded as the year:X filter would be."""
    name, value, reason = m.groups()
    return f"--{name} {value}：{to_chinese(f'{name}:{value} — {reason}')}"


def _plain(text: str) -> str:
    """A repr()'d value from a message, without its quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _levels(names: str) -> str:
    """`national, provincial` as 国家级、省级 (a name the UI does not know stays as it is)."""
    return "、".join(LEVEL_LABELS.get(n, n) for n in names.split(", "))


def _level_counts(counts: str) -> str:
    """`national 167, city 88` as 国家级 167、市级 88."""
    if counts == "none":
        return "无"
    out = []
    for item in counts.split(", "):
        name, _, n = item.rpartition(" ")
        out.append(f"{LEVEL_LABELS.get(name, name)} {n}" if name else item)
    return "、".join(out)


RULES: list[Rule] = [
    # the query language
    _r(r'^unbalanced quote: ', "引号不成对：请补上右引号 \"，或删去左引号。"),
    _r(r"^unbalanced parenthesis: a '\)' has no matching '\('$",
       "括号不成对：有一个“)”没有对应的“(”。"),
    _r(r"^unbalanced parenthesis: add the closing '\)'$", "括号不成对：请补上右括号“)”。"),
    _r(r"^unknown field '([^']*):'; known fields: (.*?) \(to search for the text itself",
       lambda m: f"没有“{m.group(1)}:”这个字段；可用字段：{m.group(2)}。"
       f"如要搜索这段文字本身，请给它加上引号。"),
    _r(r"^unknown field '([^']*):'", lambda m: f"没有“{m.group(1)}:”这个字段。"),
    # filter values: "name:value — reason" (query.FilterValueError)
    _r(r"^(\w+):(.*?) — needs a value, e\.g\. (.*)$",
       lambda m: f"{m.group(1)}: 后面需要写一个值，例如 {m.group(3)}。"),
    _r(r"^(\w+): needs a value, e\.g\. (.*)$",
       lambda m: f"{m.group(1)}: 后面需要写一个值，例如 {m.group(2)}。"),
    _r(r"^year:(.*?) — a year is 4 digits",
       lambda m: f"“{m.group(1)}”不是有效的年份：年份是 4 位数字，或写成 2015..2020 这样的范围。"),
    _r(r"^(\w+):(.*?) — the range is empty",
       lambda m: f"范围“{m.group(2)}”是空的：请按“起始..结束”的顺序书写。"),
    _r(r"^date:(.*?) — use YYYY",
       lambda m: f"“{m.group(1)}”不是有效的日期：请写成 2024、2024-03、2024-03-15 "
       "或 2024-01..2024-06 这样的范围。"),
    _r(r"^date:(.*?) — (?:not a valid date|.* is not a date)",
       lambda m: f"“{m.group(1)}”不是有效的日期（月份为 1–12，日期须在当月之内）。"),
    _r(r"^level:(.*?) — not a level; use one of: (.*?) \(or .*?documents in this index: (.*)$",
       lambda m: f"“{m.group(1)}”不是有效的层级；可用：{_levels(m.group(2))}；"
       f"本索引中的文件：{_level_counts(m.group(3))}。"),
    _r(r"^type:(.*?) — not a document type; documents in this index: (.*?); other types: (.*)$",
       lambda m: f"“{m.group(1)}”不是本索引中的文种；本索引中的文件：{m.group(2)}；"
       f"其他文种：{m.group(3)}。"),
    _r(r"^(AND|OR|NOT) (AND|OR): two operators in a row",
       lambda m: f"{m.group(1)} {m.group(2)}：两个运算符连在一起了，请删去一个"
       "（词语之间用空格分开就表示“并且”）。"),
    _r(r"^'(.*?)': one '-' excludes a term",
       lambda m: f"“{m.group(1)}”：一个“-”表示排除其后的词（如 -扫黑）；"
       f"要搜索这些短横线本身，请加引号：\"{m.group(1)}\"。"),
    _r(r"^a '-' on its own excludes nothing",
       "单独的“-”不排除任何内容：请紧贴在要排除的词前面（如 -扫黑），或加引号搜索“-”本身。"),
    _r(r"^group must be one of: (.*?) \(got (.*)\)$",
       lambda m: f"不支持的归并方式 {_plain(m.group(2))}；可用：{m.group(1)}。"),
    _r(r"^--(\w+) (.*?) — (.*)$", _option),
    _r(r"^(.*) has nothing to search for once spaces are removed$",
       lambda m: f"{_plain(m.group(1))} 去掉空格后没有可搜索的内容。"),
    _r(r"^unexpected (.*)$", lambda m: f"无法理解查询中的 {_plain(m.group(1))}。"),
    _r(r"^OR needs a term on both sides", "OR 的两边都需要有词语，例如：河长制 OR 湖长制。"),
    _r(r"^AND needs a term on both sides", "AND 的两边都需要有词语，例如：河长制 AND 污染。"),
    _r(r"^NOT needs a term after it", "NOT 后面需要有词语，例如：NOT 扫黑。"),
    _r(r"^empty query", "查询为空：请输入要搜索的词语，例如 河长制。"),
    _r(r"^empty phrase", "引号里是空的：请在引号之间写上词语。"),
    _r(r"^too many nested parentheses \(the limit is (\d+)\)",
       lambda m: f"括号嵌套太多（最多 {m.group(1)} 层）。"),
    _r(r"^query is too long \((\d+) characters; the limit is (\d+)\)",
       lambda m: f"查询太长：{m.group(1)} 个字符，上限是 {m.group(2)} 个。"),
    _r(r"^the query contains a NUL character", "查询中含有空字符（NUL），请删除后重试。"),
    _r(r"^the query contains bytes that are not UTF-8",
       "查询中含有无法识别的字节（不是 UTF-8 编码），请检查输入法或浏览器的编码设置。"),
    # wildcards and regular expressions
    _r(r"^'(.*?)' is only wildcards", lambda m: f"“{m.group(1)}”只有通配符：请至少写一个要找的字，"
       "例如 ?长制。"),
    _r(r"^/(.*)/ is not a valid regular expression: (.*?)(?: at position (\d+))? \(Python re",
       lambda m: f"/{m.group(1)}/ 不是有效的正则表达式（{m.group(2)}"
       + (f"，位置 {m.group(3)}" if m.group(3) else "") + "）；正则中的 / 请写成 \\/。"),
    _r(r"^regular expression too long \((\d+) characters; the limit is (\d+)\)",
       lambda m: f"正则表达式太长：{m.group(1)} 个字符，上限是 {m.group(2)} 个。"),
    _r(r"^/(.*)/: backreferences and conditionals",
       lambda m: f"/{m.group(1)}/：不支持反向引用和条件分组（如 \\1）；请把重复的内容直接写出来。"),
    _r(r"^/(.*)/: nested quantifiers",
       lambda m: f"/{m.group(1)}/：嵌套的重复（如 (a+)+）可能耗时极长（灾难性回溯）；"
       "请只在一层上重复，例如 (ab)+ 或 a+。"),
    _r(r"^/(.*)/ can match an empty string",
       lambda m: f"/{m.group(1)}/ 可以匹配空字符串，会匹配所有段落；请让它至少匹配一个字"
       "（如 河+ 而不是 河*）。"),
    _r(r"^/(.*)/ nests too deeply", lambda m: f"/{m.group(1)}/ 嵌套太深，请简化。"),
    _r(r"^(.*) took longer than ([\d.]+) s to match on this index",
       lambda m: f"{m.group(1)} 的匹配超过了 {m.group(2)} 秒（可能是灾难性回溯，或要找的字太少）："
       "请写得更具体一些，例如加上前后的字。"),
    _r(r"^no wildcard or regular expression to list the variants of",
       "查询中没有通配符或正则表达式：请写一个，例如 ?长制 或 /[河湖林]长制/。"),
    _r(r"^the query holds (\d+) patterns \((.*)\); give one",
       lambda m: f"查询中有 {m.group(1)} 个通配符或正则表达式（{m.group(2)}）：请只写一个。"),
    _r(r"^variants must be a whole number",
       "变体数必须是不小于 1 的整数。"),
    # page parameters
    _r(r"^unknown sort (.*); use one of: (.*)$",
       lambda m: f"不支持的排序方式 {_plain(m.group(1))}；可用：{m.group(2)}。"),
    _r(r"^(\w+) must be a whole number, 1 or more \(got (.*)\)$",
       lambda m: f"{_FIELD_NAMES.get(m.group(1), m.group(1))}必须是不小于 1 的整数"
       f"（收到的是 {_plain(m.group(2))}）。"),
    _r(r"^(\w+) is too long \(the limit is (\d+) characters\)$",
       lambda m: f"{_FIELD_NAMES.get(m.group(1), m.group(1))}太长：上限是 {m.group(2)} 个字符。"),
    _r(r"^offset must be 0 or more", "起始位置不能小于 0。"),
    _r(r"^limit must be 0 or more", "条数不能小于 0。"),
    # trends
    _r(r"^series '(.*?)' matches no paragraph$", lambda m: f"系列“{m.group(1)}”没有匹配的段落。"),
    _r(r"^series '(.*?)' is given more than once",
       lambda m: f"系列“{m.group(1)}”重复出现，只计一次。"),
    _r(r"^series '(.*?)'(?: \(.*?\))?: (.*)$", _series),
    _r(r"^empty series", "有一个系列是空的：请写上查询，例如 河长制，或 河湖=河长制 OR 湖长制。"),
    _r(r"^two series are labelled '(.*?)'",
       lambda m: f"有两个系列都叫“{m.group(1)}”：请给每个系列起不同的名字，"
       "例如 河湖=河长制 OR 湖长制。"),
    _r(r"^no series to count", "请至少输入一个查询，每行一个，例如 河长制。"),
    _r(r"^(\d+) series; the limit is (\d+)",
       lambda m: f"一共 {m.group(1)} 个系列，超过了上限 {m.group(2)} 个：请分几次查看。"),
    _r(r"^cannot count by (.*?); use one of: (.*)$",
       lambda m: f"不能按 {_plain(m.group(1))} 分组；可用：{m.group(2)}。"),
    _r(r"^(\d+) series × (\d+) buckets is ([\d,]+) rows; the limit is ([\d,]+)",
       lambda m: f"{m.group(1)} 个系列 × {m.group(2)} 组 = {m.group(3)} 行，超过上限 "
       f"{m.group(4)} 行：请减少系列，或用年份、地区缩小范围。"),
    _r(r"^unknown display (.*?); use one of: (.*)$",
       lambda m: f"不支持的显示方式 {_plain(m.group(1))}；可用：{m.group(2)}。"),
    # collocates
    _r(r"^unknown window (.*?): give a number of words either side \(1 to (\d+)\)",
       lambda m: f"不支持的范围 {_plain(m.group(1))}：请填写前后各几个词（1–{m.group(2)}），"
       "或 sentence（同一句）、paragraph（同一段）。"),
    _r(r"^unknown measure (.*?); use one of: (.*)$",
       lambda m: f"不支持的排序方式 {_plain(m.group(1))}；可用：{m.group(2)}。"),
    _r(r"^--compare (\S+) (\S+): the two ranges overlap",
       lambda m: f"对比的两个时段 {m.group(1)} 与 {m.group(2)} 有重叠：请给出不重叠的年份范围，"
       "例如 2011..2017 与 2018..2024。"),
    _r(r"^--year and --compare do not go together",
       "年份筛选和时段对比不能同时使用：对比的两个时段已经给出了年份。"),
    _r(r"^compare needs two periods",
       "对比需要两个时段：请把两个都填上，例如 2011..2017 与 2018..2024。"),
    _r(r"^(.*) has no term to look around",
       lambda m: f"{_plain(m.group(1))} 中没有可以查看搭配的词语："
       "请输入一个词或短语，例如 河长制。"),
    _r(r"^--(min-count|top) must be 1 or more",
       lambda m: f"{'最少段落数' if m.group(1) == 'min-count' else '显示个数'}必须不小于 1。"),
    _r(r"^(\w+) must be a whole number, from 1 to (\d+) \(got (.*)\)$",
       lambda m: f"{_FIELD_NAMES.get(m.group(1), m.group(1))}必须是 1 到 {m.group(2)} 之间的整数"
       f"（收到的是 {_plain(m.group(3))}）。"),
    # the concordance and diffusion views
    _r(r"^width must be 0 to (\d+) characters \(got (.*)\)$",
       lambda m: f"语境宽度必须是 0 到 {m.group(1)} 之间的整数（收到的是 {_plain(m.group(2))}）。"),
    _r(r"^(.*) has no text to show in context",
       lambda m: f"{_plain(m.group(1))} 中没有可显示语境的词语：请加上一个词，例如 河长制。"),
    _r(r"^sorting by context reads every line: ([\d,]+) paragraphs match and the limit here "
       r"is ([\d,]+)",
       lambda m: f"按语境排序需要读取全部匹配：共 {m.group(1)} 个段落，超过了上限 {m.group(2)} "
       "个。请用年份或地区缩小范围，或按出现顺序查看。"),
    _r(r"^unknown level (.*?); use one of: (.*)$",
       lambda m: f"不支持的地区层级 {_plain(m.group(1))}；可用：{m.group(2)}。"),
    # documents
    _r(r"^no document with id (.*?) in this index",
       lambda m: f"索引中没有编号为 {_plain(m.group(1))} 的文件：请先搜索找到它。"),
    _r(r"^document (\w+) has paragraphs 1 to (\d+), not (\d+)",
       lambda m: f"文件 {m.group(1)} 只有第 1 至 {m.group(2)} 段，没有第 {m.group(3)} 段。"),
    _r(r"^(.*) is not a paragraph id", lambda m: f"{_plain(m.group(1))} 不是段落编号。"),
    _r(r"^no such page: (.*)$", lambda m: f"没有这个页面：{m.group(1)}"),
    _r(r"^method (\w+) is not allowed here", lambda m: f"此页面不支持 {m.group(1)} 请求。"),
    # the index
    _r(r"^no index configured\.",
       "服务器没有配置索引。管理员请运行：govsearch serve --index 索引目录"),
    _r(r"^no index at (.*?)\. Run: (.*)$",
       lambda m: f"{m.group(1)} 处还没有索引。管理员请运行：{m.group(2)}"),
    _r(r"^the index at (.*?) is locked by another indexing run",
       lambda m: f"{m.group(1)} 处的索引正在被另一次索引任务占用，请稍后再试。"),
    _r(r"^Index at (.*?) was built by .*? version of govsearch.*?Run: (.*)$",
       lambda m: f"{m.group(1)} 处的索引是另一个版本的 govsearch 建立的。"
       f"管理员请运行：{m.group(2)}"),
    _r(r"^the index at (.*?) (?:is damaged|is incomplete|cannot be read).*?Run: (.*)$",
       lambda m: f"{m.group(1)} 处的索引已损坏或不完整。管理员请运行：{m.group(2)}"),
    _r(r"^internal error", "服务器内部出错，详情已记录在服务器日志中。"),
]  # fmt: skip

FALLBACK = {
    400: "请求有误，请检查输入后重试。",
    404: "找不到要访问的页面或文件。",
    405: "此页面不支持这种请求。",
    503: "索引暂时不可用。",
}


def to_chinese(message: str, status: int = 400) -> str:
    """The Chinese wording of a library or HTTP error message (a kind's sentence if unknown)."""
    for pattern, template in RULES:
        m = pattern.search(message)
        if m:
            return template if isinstance(template, str) else template(m)
    return FALLBACK.get(status, "服务器出错，请稍后再试。")


def is_known(message: str) -> bool:
    """Whether a message has a wording of its own (not only its kind's)."""
    return any(pattern.search(message) for pattern, _t in RULES)
