"""Typed errors the core raises, each with structured fields; no wording for people lives here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class ClerkError(Exception):
    """Base of every error the core raises on purpose; `messages.describe` words it."""

    def __post_init__(self) -> None:
        Exception.__init__(self, self.__class__.__name__)

    def __str__(self) -> str:
        # Deferred import: messages imports this module.
        from clerk_app.messages import describe

        return describe(self).one_line()

    @property
    def code(self) -> str:
        return self.__class__.__name__


# --- input that fails validation -------------------------------------------------------------


@dataclass(eq=False)
class MissingField(ClerkError):
    field: str


@dataclass(eq=False)
class InvalidValue(ClerkError):
    field: str
    value: str
    expected: str = ""


@dataclass(eq=False)
class InvalidDate(ClerkError):
    field: str
    value: str


@dataclass(eq=False)
class DateInFuture(ClerkError):
    field: str
    value: str


@dataclass(eq=False)
class UnknownUnit(ClerkError):
    code_given: str


@dataclass(eq=False)
class DuplicateUnit(ClerkError):
    code_given: str


@dataclass(eq=False)
class UnknownDocument(ClerkError):
    document_id: str


@dataclass(eq=False)
class SecretDocumentRefused(ClerkError):
    """NĐ 30 and every regulation here keep Mật / Tối mật / Tuyệt mật documents out of the system."""

    secrecy: str


@dataclass(eq=False)
class DuplicateDocument(ClerkError):
    """The same file or the same issuer + reference is registered already."""

    existing_id: str
    existing_number: int
    existing_year: int
    reason: str  # "same_file" | "same_reference"


@dataclass(eq=False)
class DocumentCancelled(ClerkError):
    document_id: str
    number: int


@dataclass(eq=False)
class FieldNotCorrectable(ClerkError):
    field: str


@dataclass(eq=False)
class NoRegister(ClerkError):
    kind: str
    year: int


@dataclass(eq=False)
class NotInitialised(ClerkError):
    data_dir: str


@dataclass(eq=False)
class AlreadyInitialised(ClerkError):
    data_dir: str


@dataclass(eq=False)
class NetworkShareRefused(ClerkError):
    data_dir: str
    fs_type: str


@dataclass(eq=False)
class DatabaseNewerThanApp(ClerkError):
    revision: str


@dataclass(eq=False)
class AuditChainBroken(ClerkError):
    entry_seq: int


# --- files -----------------------------------------------------------------------------------


@dataclass(eq=False)
class FileMissing(ClerkError):
    path: str


@dataclass(eq=False)
class FileUnreadable(ClerkError):
    """The file is there but the system refuses to read it (permissions, locked, disk error)."""

    path: str
    detail: str = ""


@dataclass(eq=False)
class FileEmpty(ClerkError):
    path: str


@dataclass(eq=False)
class FileUnsupported(ClerkError):
    path: str
    detected: str = ""


@dataclass(eq=False)
class FileCorrupt(ClerkError):
    path: str
    detail: str = ""


@dataclass(eq=False)
class FileTruncated(ClerkError):
    path: str


@dataclass(eq=False)
class FileEncrypted(ClerkError):
    path: str


@dataclass(eq=False)
class ImageTooLarge(ClerkError):
    path: str
    width: int
    height: int
    limit_pixels: int


@dataclass(eq=False)
class FileTooLarge(ClerkError):
    path: str
    size: int
    limit: int


@dataclass(eq=False)
class StorageFailed(ClerkError):
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class StoredFileDamaged(StorageFailed):
    """A stored file is gone or no longer matches its SHA-256 (tampering or a disk fault)."""

    sha256: str = ""
    reason: str = ""  # "missing" | "mismatch"
