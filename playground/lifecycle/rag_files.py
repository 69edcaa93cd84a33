"""The visitor's own documents for RAG: .txt, .md or .pdf, read into text with limits.

A file's text goes into the visitor's own list (their gr.State), never into anything shared:
`rag.visitor_index` builds their index apart from the course's cached one. PDF text comes
from `pypdf` (its layout-free text extraction, page by page).
"""
from __future__ import annotations

import io
from pathlib import Path

from playground.core.errors import UserError
from playground.core.validate import well_formed
from playground.lifecycle.rag import Doc

SUFFIXES = (".txt", ".md", ".pdf")
MAX_BYTES = 2_000_000          # one file
MAX_PAGES = 200                # one PDF
MAX_CHARS = 300_000            # the text of all the visitor's files together
MAX_FILES = 5
MAX_NAME = 80


def _short_name(name: str) -> str:
    name = Path(str(name)).name
    return name if len(name) <= MAX_NAME else name[:MAX_NAME - 1] + "…"


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, pages separated by a blank line."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages
        if len(pages) > MAX_PAGES:
            raise UserError("rag_error_pages", pages=len(pages), limit=MAX_PAGES)
        return "\n\n".join((page.extract_text() or "").strip() for page in pages)
    except UserError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise UserError("rag_error_pdf") from None


def read_text(name: str, data: bytes) -> str:
    """A file's text, or a UserError saying why not (type, size, binary, not UTF-8, empty)."""
    suffix = Path(str(name)).suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError("rag_error_type", name=_short_name(name), types=", ".join(SUFFIXES))
    if len(data) > MAX_BYTES:
        raise UserError("rag_error_bytes", name=_short_name(name), mb=round(len(data) / 1e6, 1),
                        limit=MAX_BYTES // 1_000_000)
    if suffix == ".pdf":
        if not data.startswith(b"%PDF"):
            raise UserError("rag_error_pdf")
        text = pdf_text(data)
    else:
        if b"\x00" in data:
            raise UserError("rag_error_binary", name=_short_name(name))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UserError("rag_error_encoding", name=_short_name(name)) from None
    text = well_formed(text).replace("\r\n", "\n").replace("\x00", "")
    if not text.strip():
        raise UserError("rag_error_empty_file", name=_short_name(name))
    if len(text) > MAX_CHARS:
        raise UserError("rag_error_chars", name=_short_name(name), chars=len(text), limit=MAX_CHARS)
    return text


def add_files(own: tuple[Doc, ...], files: list[tuple[str, bytes]]) -> tuple[Doc, ...]:
    """The visitor's documents with `files` ((name, bytes) each) added; a file of the same
    name replaces the old one. Limits on the number of files and on all their text together."""
    docs = {d.name: d for d in own or ()}
    for name, data in files:
        short = _short_name(name)
        docs[short] = Doc(short, read_text(name, data), own=True)
    if len(docs) > MAX_FILES:
        raise UserError("rag_error_files", limit=MAX_FILES)
    total = sum(len(d.text) for d in docs.values())
    if total > MAX_CHARS:
        raise UserError("rag_error_total_chars", chars=total, limit=MAX_CHARS)
    return tuple(docs.values())
