"""What is wrong with a file that cannot be read, in the user's words: what, and what to do.

Readers raise `not_a` when a file's content is not what its name says (random bytes named .pdf,
a text file named .docx) and `damaged` when it is, but broken; the library's own words
("No /Root object! - Is this really a PDF?") never reach the user.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from ..decoding import NotText, decode_bytes
from .blocks import OLE_MAGIC, ExtractionError

AGAIN = "get the file again from where it came from"


@dataclass(frozen=True)
class Kind:
    """A format as the user knows it: its name, how its content starts, how to re-save it."""

    #: Its name after "a damaged …".
    called: str
    #: Its article ("an OFD file", "a PDF").
    article: str
    signatures: tuple[bytes, ...]
    resave: str
    #: Where the signature may be found (a PDF's header may follow some junk).
    within: int = 0


_ZIP = (b"PK\x03\x04",)
_IMAGE = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
KINDS: dict[str, Kind] = {
    "pdf": Kind("PDF", "a", (b"%PDF-",), "open it in a PDF reader and save a new copy", 1024),
    "docx": Kind("Word .docx file", "a", _ZIP, "open it in Word or WPS and save it again as .docx"),
    "ofd": Kind("OFD file", "an", _ZIP, "open it in an OFD reader and export it as PDF"),
    "image": Kind("image", "an", _IMAGE, "open it in an image viewer and save it again"),
    "doc": Kind(
        "Word 97–2003 or WPS file",
        "a",
        (OLE_MAGIC, b"{\\rtf"),
        "open it in Word or WPS and save it as .docx",
    ),  # fmt: skip
    "html": Kind("HTML page", "an", (), "save the page again from the browser"),
}
KINDS["wps"] = KINDS["doc"]

_HEAD = 65536


def _head(path: pathlib.Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_HEAD)


def matches(head: bytes, kind: Kind) -> bool:
    """Whether content starting with `head` carries the kind's signature."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if kind.within:
        return any(s in head[: kind.within] for s in kind.signatures)
    return head.startswith(kind.signatures)


def content_of(head: bytes) -> tuple[str, str]:
    """What content starting with `head` is, and what to do with a file holding it."""
    for name, phrase, advice in (
        ("pdf", "a PDF", "rename it to .pdf"),
        ("image", "an image", "rename it to .png or .jpg as it is"),
        ("doc", "an Office 97 file", "rename it to .doc if it is a Word file"),
    ):
        if matches(head, KINDS[name]):
            return phrase, advice
    if head.startswith(_ZIP):
        return "a zip archive", "unpack it and index the files inside"
    try:
        decode_bytes(head[: _HEAD - 4] if len(head) == _HEAD else head)
    except NotText:
        return "binary data of no known kind", f"if it should be one, it is damaged: {AGAIN}"
    return "text", "rename it to .txt if it is a document"


def not_a(path: pathlib.Path, fmt: str, head: bytes | None = None) -> ExtractionError:
    """The file is not of the format its name says: what it holds instead, and what to do."""
    head = _head(path) if head is None else head
    if not head:
        return ExtractionError(f"{path.name} is empty (0 bytes); {AGAIN}")
    content, advice = content_of(head)
    kind = KINDS[fmt]
    return ExtractionError(
        f"{path.name} is not {kind.article} {kind.called} (its content is {content}); {advice}"
    )


def damaged(path: pathlib.Path, fmt: str, why: str | None = None) -> ExtractionError:
    """The file is broken: what is wrong (`why`, in plain words) and how to get a good copy.

    A file whose content does not even start like the format gets `not_a` instead.
    """
    kind = KINDS[fmt]
    try:
        head = _head(path)
    except OSError:
        head = None
    if head is not None and (not head or (kind.signatures and not matches(head, kind))):
        return not_a(path, fmt, head)
    detail = f" ({why})" if why else ""
    return ExtractionError(
        f"{path.name} is a damaged {kind.called}{detail}; {AGAIN}, or {kind.resave}"
    )


#: The usual `why` for a file that was cut short.
CUT_SHORT = "it ends early, as an interrupted download or copy does"
#: The usual `why` for a zip container (.docx, .ofd) that cannot be opened.
BROKEN_ZIP = "its zip container is broken or incomplete"
