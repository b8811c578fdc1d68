"""Word 97–2003 (.doc) and WPS Writer (.wps) files, through a converter found at run time.

In order of preference: LibreOffice (``soffice --headless --convert-to docx``; the result is
read like any .docx, so heading styles and tables survive), then antiword and catdoc (plain
text, one paragraph per line; .doc only). Each conversion has a time limit; a converter that
hangs is killed with its children and the file is skipped with a message.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from .blocks import OLE_MAGIC, Block, Extracted, ExtractionError, clean
from .docx import extract_docx
from .problems import damaged, not_a

#: Seconds a converter may take for one file (GOVSEARCH_CONVERT_TIMEOUT overrides it).
CONVERT_TIMEOUT = 120.0
INSTALL_HINT = (
    "install LibreOffice (soffice), or antiword or catdoc for .doc "
    "(Debian/Ubuntu: apt install libreoffice-writer-nogui)"
)


class ConverterMissing(ExtractionError):
    """No program that converts this format is installed."""


def read_word(path: pathlib.Path) -> Extracted:
    """Convert a .doc/.wps file with the best converter installed and read the result."""
    _check_ole(path)
    timeout = convert_timeout()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        return _via_libreoffice(soffice, path, timeout)
    is_wps = path.suffix.lower() == ".wps"
    for name, args in (("antiword", ["-w", "0", "-m", "UTF-8.txt"]), ("catdoc", ["-d", "utf-8"])):
        program = shutil.which(name)
        if program and not is_wps:
            output = run_converter([program, *args, str(path)], timeout, name, path)
            text = output.decode("utf-8", errors="replace")
            blocks = [Block(t) for t in (_plain_line(line) for line in text.splitlines()) if t]
            if blocks:
                return Extracted(blocks=blocks)
            raise ExtractionError(f"{name} found no text in {path.name}")
    kind = "WPS" if is_wps else "Word .doc"
    raise ConverterMissing(
        f"{path.name} is a {kind} file and no converter is installed; {INSTALL_HINT}"
    )


def _plain_line(line: str) -> str:
    """A converter's text line; antiword's |cell|cell| table rows become "cell | cell"."""
    line = line.strip()
    if len(line) > 1 and line.startswith("|") and line.endswith("|"):
        return " | ".join(c for c in (clean(cell) for cell in line[1:-1].split("|")) if c)
    return clean(line)


def convert_timeout() -> float:
    """The per-file converter time limit in seconds."""
    raw = os.environ.get("GOVSEARCH_CONVERT_TIMEOUT", "")
    try:
        value = float(raw)
    except ValueError:
        return CONVERT_TIMEOUT
    return value if value > 0 else CONVERT_TIMEOUT


def _check_ole(path: pathlib.Path) -> None:
    """Refuse what no converter can read: encrypted documents and non-Word OLE files."""
    import olefile

    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"{\\rtf"):
        return  # RTF saved as .doc, which Word and WPS both do: LibreOffice reads it
    if head != OLE_MAGIC:
        raise not_a(path, "doc")
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptedPackage"):
                raise ExtractionError(
                    f"{path.name} is password-protected; remove the password and try again"
                )
            if ole.exists("WordDocument"):
                header = ole.openstream("WordDocument").read(12)
                # FIB flags, bit 8: fEncrypted (the document is password-protected).
                if len(header) >= 12 and int.from_bytes(header[10:12], "little") & 0x0100:
                    raise ExtractionError(
                        f"{path.name} is password-protected; remove the password and try again"
                    )
    # olefile reports a damaged container through several plain exceptions.
    except (OSError, ValueError, IndexError, EOFError) as exc:
        raise damaged(path, "doc") from exc


def _via_libreoffice(soffice: str, path: pathlib.Path, timeout: float) -> Extracted:
    with tempfile.TemporaryDirectory(prefix="govsearch-convert-") as tmp:
        work = pathlib.Path(tmp)
        # A private profile: a user's running LibreOffice or a parallel conversion would
        # otherwise take the conversion over, or block it.
        profile = (work / "profile").as_uri()
        # The input goes in under a plain name: LibreOffice picks its filter by content.
        source = work / ("input" + path.suffix.lower())
        shutil.copyfile(path, source)
        out = work / "out"
        command = [
            soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source),
        ]  # fmt: skip
        run_converter(command, timeout, "LibreOffice", path)
        converted = out / "input.docx"
        if not converted.is_file():
            raise ExtractionError(f"LibreOffice could not convert {path.name}")
        extracted = extract_docx(converted)
    return extracted


def run_converter(command: list[str], timeout: float, name: str, path: pathlib.Path) -> bytes:
    """Run a converter, kill it and everything it started when it overruns; its stdout."""
    kwargs: dict = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **kwargs,
        )
    except OSError as exc:
        raise ExtractionError(f"{name} could not be started ({exc})") from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pass  # a grandchild that left the group still holds the pipe: do not wait for it
        raise ExtractionError(
            f"{name} did not convert {path.name} within {timeout:g} s (GOVSEARCH_CONVERT_TIMEOUT)"
        ) from None
    if process.returncode != 0:
        detail = clean(stderr.decode("utf-8", errors="replace"))[:200]
        raise ExtractionError(f"{name} could not convert {path.name}: {detail or 'failed'}")
    return stdout


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill a converter and the processes it started (LibreOffice forks soffice.bin)."""
    if sys.platform == "win32":
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, check=False
        )
    else:
        import signal

        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.kill()
