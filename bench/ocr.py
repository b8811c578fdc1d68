"""OCR benchmark: accuracy and speed of scanned-page indexing on pages rendered from the corpus.

    python -m bench.ocr      # a 20-page scan: accuracy, pages/min, re-index from the cache, and
                             # RapidOCR alone vs Tesseract (chi_sim) on 6 clean + 6 noisy pages
    python -m bench.ocr --pages 300 --lines 3 --no-compare    # memory on a long, light scan

Pages are A4 公文 layouts (bench/pages.py) at 200 dpi with Noto Serif CJK SC, saved as one
image-only PDF; `clean` pages are the renders, `noisy` ones are rotated 0.8°, blurred, greyed,
speckled and JPEG-compressed. Character accuracy = 1 − edit distance / length, whitespace
removed, both texts NFKC-normalised as the index normalises them. Results go to stdout and to
bench/results/ocr.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

from bench.pages import char_accuracy, corpus_paragraphs, render_pages, save_pdf

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
RESULTS = ROOT / "bench" / "results" / "ocr.json"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _noisy(image):
    """A scanner's version of a clean render: skew, blur, grey paper, noise, JPEG."""
    import io

    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(1)
    image = image.rotate(0.8, resample=Image.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(1.0))
    a = np.asarray(image).astype(np.float32) * 0.85 + 25 + rng.normal(0, 18, image.size[::-1])
    buffer = io.BytesIO()
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=60)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


class _PeakRss:
    """Largest resident memory of a process and its children, sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.me = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self.stop.is_set():
            total = 0
            for p in [self.me, *self.me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def _document_text(index_dir: Path) -> str:
    """The indexed text of the one document, paragraphs in order."""
    from govsearch.search import search

    hits = search(index_dir, "-zzzzzz", limit=None).hits
    return "".join(h.text for h in sorted(hits, key=lambda h: h.paragraph))


def _index_scan(pages, work: Path, name: str) -> dict:
    """Index one image-only PDF of these pages: accuracy, time, memory, re-index time."""
    from govsearch.indexer import build_index

    folder = work / name
    folder.mkdir()
    save_pdf(pages, folder / f"{name}.pdf")
    index_dir = work / f"{name}-index"
    cpu = os.times()
    started = time.perf_counter()
    # A separate process, so the peak memory is the indexer's, not the rendered pages held here.
    code = (
        "import sys; from govsearch.indexer import build_index; "
        "build_index([sys.argv[1]], sys.argv[2])"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(folder), str(index_dir)])
    with _PeakRss(child.pid) as rss:
        if child.wait() != 0:
            raise SystemExit("indexing the scan failed")
    seconds = time.perf_counter() - started
    after = os.times()
    cpu_s = sum(after[i] - cpu[i] for i in range(4))
    truth = "".join(line for p in pages for line in p.lines)
    accuracy = char_accuracy(_nfkc(truth), _nfkc(_document_text(index_dir)))
    started = time.perf_counter()
    build_index([folder], index_dir, rebuild=True)
    cached = time.perf_counter() - started
    return {
        "pages": len(pages),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_s, 1),
        "pages_per_minute": round(len(pages) / seconds * 60, 1),
        "peak_rss_mb": round(rss.peak / 2**20),
        "reindex_from_cache_seconds": round(cached, 1),
        "accuracy": round(accuracy, 4),
    }


def _tesseract(pages, work: Path) -> dict | None:
    """The same pages through Tesseract 5 + chi_sim (one process, one thread), for comparison."""
    if shutil.which("tesseract") is None:
        return None
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    if "chi_sim" not in langs.stdout:
        return None
    accuracy, cpu = [], 0.0
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    for n, page in enumerate(pages, 1):
        image = work / f"tess-{n}.png"
        page.image.save(image)
        before = os.times()
        out = subprocess.run(
            ["tesseract", str(image), "-", "-l", "chi_sim", "--psm", "3"],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        after = os.times()
        cpu += (after[2] - before[2]) + (after[3] - before[3])
        accuracy.append(char_accuracy(_nfkc("".join(page.lines)), _nfkc(out.stdout)))
    return {
        "cpu_seconds_per_page": round(cpu / len(pages), 2),
        "accuracy_mean": round(sum(accuracy) / len(accuracy), 4),
        "accuracy_min": round(min(accuracy), 4),
    }


def _rapidocr_cpu(pages, work: Path) -> dict:
    """Our engine alone on the same pages, in this process, one thread: CPU per page."""
    from govsearch.indexer.formats import ocr

    accuracy, cpu = [], 0.0
    for n, page in enumerate(pages, 1):
        image = work / f"rapid-{n}.png"
        page.image.save(image, dpi=(200, 200))
        if n == 1:
            ocr.ocr_page(image, "image", 1)  # load the models outside the timing
        before = time.process_time()
        result = ocr.ocr_page(image, "image", 1)
        cpu += time.process_time() - before
        text = "".join(line.text for line in result.lines)
        accuracy.append(char_accuracy(_nfkc("".join(page.lines)), _nfkc(text)))
    return {
        "cpu_seconds_per_page": round(cpu / len(pages), 2),
        "accuracy_mean": round(sum(accuracy) / len(accuracy), 4),
        "accuracy_min": round(min(accuracy), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20, help="pages in the scan (default 20)")
    parser.add_argument(
        "--lines", type=int, default=None, help="text lines per page (default full)"
    )
    parser.add_argument(
        "--compare",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run RapidOCR alone and Tesseract on 6 clean + 6 noisy pages",
    )
    args = parser.parse_args(argv)
    paragraphs = corpus_paragraphs(CORPUS, 40 * args.pages, seed=12)
    pages = render_pages(paragraphs, max_pages=args.pages, lines_per_page=args.lines)
    results: dict = {"machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"}
    with tempfile.TemporaryDirectory(prefix="govsearch-bench-ocr-") as tmp:
        work = Path(tmp)
        results["scan"] = _index_scan(pages, work, "scan")
        print(f"{args.pages}-page scan: {json.dumps(results['scan'])}", flush=True)
        if args.compare:
            sample = pages[:6]
            noisy = [type(p)(_noisy(p.image), p.paragraphs, p.lines) for p in sample]
            for label, chosen in (("clean", sample), ("noisy", noisy)):
                results[f"rapidocr_{label}"] = _rapidocr_cpu(chosen, work)
                results[f"tesseract_{label}"] = _tesseract(chosen, work)
                print(f"{label}: rapidocr {results[f'rapidocr_{label}']}", flush=True)
                print(f"{label}: tesseract {results[f'tesseract_{label}']}", flush=True)
    if args.compare and args.lines is None:
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
