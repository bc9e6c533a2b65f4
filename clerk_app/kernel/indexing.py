"""The one search-row builder: a document's fields, the text of its PDFs and its OCR text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.field_rules import SEARCHED_FIELDS, TEXT_ROLE
from clerk_app.files.store import ContentStore
from clerk_app.storage import search_index
from clerk_app.storage.models import Document, DocumentFile
from clerk_app.text import fold


def document_texts(
    session: Session, store: ContentStore, document_id: str, known: Mapping[str, str] = {}
) -> list[str]:
    """The text kept for a document's files (a PDF's own text, a scan's OCR), oldest first.

    `known`: texts the caller has in hand by hash, so a registration does not read back what
    it just wrote. A text whose content has not reached this desk yet (a sync brings the rows
    before the bytes) is left out until it arrives; see `reindex_for_contents`."""
    texts = []
    for sha in session.execute(
        select(DocumentFile.sha256)
        .where(DocumentFile.document_id == document_id, DocumentFile.role == TEXT_ROLE)
        .order_by(DocumentFile.added_at)
    ).scalars():
        if sha in known:
            texts.append(known[sha])
        elif store.contains(sha):
            try:
                texts.append(store.read(sha).decode("utf-8"))
            except (errors.ClerkError, UnicodeDecodeError):
                continue  # a damaged text costs the document its words, not the write
    return texts


def search_text(fields: Mapping[str, object], texts: Sequence[str] = ()) -> str:
    """The folded text a document is found by: its searched fields, then its files' text."""
    parts = [str(fields.get(name) or "") for name in SEARCHED_FIELDS]
    return fold(" ".join([*parts, *texts]))


def index_document(
    session: Session,
    store: ContentStore,
    doc: Document,
    known: Mapping[str, str] = {},
    texts: Sequence[str] | None = None,
) -> None:
    """(Re)build the document's search row in the caller's transaction; `texts`: every text of
    its files, when the caller wrote them all in this transaction (a registration)."""
    fields = {name: getattr(doc, name) for name in SEARCHED_FIELDS}
    if texts is None:
        texts = document_texts(session, store, doc.id, known)
    body = search_text(fields, texts)
    search_index.index_document(session, doc.id, body)


def reindex_for_contents(session: Session, store: ContentStore, shas: set[str]) -> int:
    """Rebuild the rows of documents whose texts just arrived; returns how many."""
    if not shas:
        return 0
    ids = set(
        session.execute(
            select(DocumentFile.document_id).where(
                DocumentFile.role == TEXT_ROLE, DocumentFile.sha256.in_(shas)
            )
        ).scalars()
    )
    for doc_id in ids:
        doc = session.get(Document, doc_id)
        if doc is not None:
            index_document(session, store, doc)
    return len(ids)
