"""Shared fixtures: small indexes built once per session from the seeds and a corpus sample."""

from __future__ import annotations

import contextlib
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govsearch.indexer import build_index
from govsearch.indexer.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
RAW_ENCODINGS = SHARED / "corpus-raw-encodings"
SAMPLE_SIZE = 40


def pytest_collection_modifyitems(config, items):
    if not CORPUS.is_dir():
        raise pytest.UsageError(f"tests need the shared corpus at {CORPUS} (../shared/corpus)")


def say(request, line: str) -> None:
    """Print a figure to the terminal even while output is captured."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write_line(line)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the two bundled seed reports."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(SEEDS, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def corpus_sample(tmp_path_factory) -> Path:
    """A fixed random sample of ../shared/corpus with its manifest rows, copied to a tmp dir."""
    rows = [json.loads(x) for x in (CORPUS / "manifest.jsonl").read_text("utf-8").splitlines()]
    rng = random.Random(20261123)
    picked = rng.sample(rows, SAMPLE_SIZE)
    # Always include the documents with 河长制 and the near-duplicate national reports.
    names = {r["file"] for r in picked}
    for r in rows:
        text = (CORPUS / r["file"]).read_text("utf-8")
        if ("河长制" in text or r["file"].startswith(("0042_", "0085_"))) and r[
            "file"
        ] not in names:
            picked.append(r)
            names.add(r["file"])
    dest = tmp_path_factory.mktemp("corpus-sample")
    for r in picked:
        shutil.copy(CORPUS / r["file"], dest / r["file"])
    with open(dest / "manifest.jsonl", "w", encoding="utf-8") as fh:
        for r in picked:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return dest


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, corpus_sample) -> Path:
    """An index of the corpus sample plus the seeds."""
    index_dir = tmp_path_factory.mktemp("sample-index")
    build_index([corpus_sample, *SEEDS], index_dir, manifest=corpus_sample / "manifest.jsonl")
    return index_dir


@pytest.fixture(scope="session")
def sample_paragraphs(corpus_sample) -> list[tuple[str, int, str]]:
    """(path, line, normalised text) of every paragraph in the sample index: the oracle's data."""
    out = []
    for path in [*sorted(corpus_sample.glob("*.txt")), *SEEDS]:
        for lineno, line in enumerate(path.read_text("utf-8").split("\n"), 1):
            if line.strip():
                out.append((str(path), lineno, normalize(line.strip())))
    return out


def long_paragraph(chars: int = 30_000) -> str:
    """A regulation pasted as one line: sentences, with 河长制 in every ~1,000 characters."""
    sentence = "加强水资源保护，建立健全河湖管理保护长效机制。"
    parts, size, n = [], 0, 0
    while size < chars:
        piece = sentence if n % 40 else "全面推行河长制。"
        parts.append(piece)
        size += len(piece)
        n += 1
    return "".join(parts)


@pytest.fixture(scope="session")
def long_doc(tmp_path_factory) -> Path:
    """A short paragraph, a 30,000-character one, and two more after it."""
    folder = tmp_path_factory.mktemp("long-doc")
    path = folder / "long.txt"
    lines = [
        "超长段落测试文件",
        "第一段，推行河长制。",
        long_paragraph(),
        "倒数第二段。",
        "最后一段，河长制收尾。",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def long_index(tmp_path_factory, long_doc) -> Path:
    """An index of long_doc alone."""
    index_dir = tmp_path_factory.mktemp("long-index")
    build_index([long_doc], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def corpus_index_no_manifest(tmp_path_factory) -> Path:
    """The whole ../shared/corpus indexed without its manifest (about 30 s): inference alone."""
    from bench.eval_metadata import build_without_manifest

    index_dir = tmp_path_factory.mktemp("corpus-no-manifest")
    build_without_manifest(CORPUS, index_dir)
    return index_dir


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# A tiny index for trend output checked by hand. 2016: two paragraphs with 河长制 (one
# twice); 2017: no document; 2018: one with 湖长制, one with 河长制 and 湖长制; 2019: a
# document without either.
TINY_DOCS = {
    "a.txt": (2016, "甲市", "全面推行河长制。\n落实河长制，河长制办公室。\n其他工作。\n"),
    "b.txt": (2018, "乙省", "推行湖长制。\n河长制和湖长制。\n"),
    "c.txt": (2019, "乙省", "加强生态保护。\n"),
}


def _small_index(tmp_path_factory, docs: dict, name: str) -> Path:
    """An index of `docs` (file → (year, region, text)), each a city-level document titled
    by its region and year, with a manifest giving those."""
    corpus = tmp_path_factory.mktemp(f"{name}-corpus")
    rows = []
    for file, (year, region, text) in docs.items():
        (corpus / file).write_text(text, "utf-8")
        rows.append({"file": file, "title": f"{region}{year}年报告", "year": year,
                     "region": region, "level": "city"})  # fmt: skip
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (corpus / "manifest.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index_dir = tmp_path_factory.mktemp(f"{name}-index")
    build_index([corpus], index_dir, manifest=corpus / "manifest.jsonl")
    return index_dir


@pytest.fixture(scope="session")
def tiny_index(tmp_path_factory) -> Path:
    """Three one-year documents (2016, 2018, 2019) of two regions."""
    return _small_index(tmp_path_factory, TINY_DOCS, "trend")


# Words (precise mode) of each paragraph, as the segmenter cuts them:
#   a 2016  全面推行 河长制 ， 落实 河长制 责任 。
#           建立 河长制 工作 机制 ， 加强 河湖 管理 保护 。
#           河湖 管理 保护 是 河长制 的 重点 。
#   b 2018  推行 湖长制 。
#           河长制 和 湖长制 全面 建立 ， 河湖 管理 保护 得到 加强 。
#           加强 生态 保护 。
#   c 2019  河长制 工作 考核办法 。
#           加强 河湖 管理 保护 。 完善 河长制 考核 。
COLLOC_DOCS = {
    "a.txt": (2016, "甲市", "全面推行河长制，落实河长制责任。\n"
              "建立河长制工作机制，加强河湖管理保护。\n河湖管理保护是河长制的重点。\n"),
    "b.txt": (2018, "乙省", "推行湖长制。\n河长制和湖长制全面建立，河湖管理保护得到加强。\n"
              "加强生态保护。\n"),
    "c.txt": (2019, "乙省", "河长制工作考核办法。\n加强河湖管理保护。完善河长制考核。\n"),
}  # fmt: skip


@pytest.fixture(scope="module")
def colloc_index(tmp_path_factory) -> Path:
    """Three short documents (2016, 2018, 2019) for collocates checked by hand."""
    return _small_index(tmp_path_factory, COLLOC_DOCS, "colloc")


# Documents at every level for diffusion: two 鼓楼区, a national one, an undated one, two of
# one city and year told apart by their date lines.
PLACES = [
    ("n.txt", {"year": 2016, "region": "全国", "level": "national"}, "全面推行河长制。"),
    ("gd.txt", {"year": 2017, "region": "广东省"}, "广东省推行河长制。"),
    ("gz-a.txt", {"year": 2018, "region": "广州市"}, "广州市落实河长制。\n二〇一八年三月一日"),
    ("gz-b.txt", {"year": 2018, "region": "广州市"}, "广州市建立河长制。\n二〇一八年一月五日"),
    ("sz.txt", {"year": 2019, "region": "深圳市坪山区"}, "坪山区落实河长制工作。"),
    ("nj.txt", {"year": 2020, "region": "南京市鼓楼区"}, "鼓楼区全面推行河长制。"),
    ("fz.txt", {"year": 2021, "region": "福州市鼓楼区"}, "鼓楼区建立健全河长制。"),
    ("bj.txt", {"year": 2019, "region": "北京市朝阳区"}, "朝阳区深化河长制。"),
    ("hz.txt", {"region": "杭州市"}, "杭州市推进河长制。"),
    ("old.txt", {"year": 2015, "region": "广东省"}, "广东省治水。"),
]


@pytest.fixture(scope="session")
def places_index(tmp_path_factory) -> Path:
    """An index of PLACES (titles are the file names without .txt)."""
    corpus = tmp_path_factory.mktemp("places")
    for name, _row, text in PLACES:
        (corpus / name).write_text(text + "\n", encoding="utf-8")
    manifest = corpus / "manifest.jsonl"
    rows = [{"file": name, "title": name[:-4], **row} for name, row, _text in PLACES]
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    index_dir = tmp_path_factory.mktemp("places-index")
    build_index([corpus], index_dir, manifest=manifest)
    return index_dir
