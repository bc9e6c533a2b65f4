"""Typed errors the core raises, each with structured fields; no wording for people lives here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

# How an error reads for people: clerk_app.messages sets it when imported (clerk_app's package
# does so first); this module never imports the wording, which imports it.
_wording: Callable[[ClerkError], str] | None = None


def set_wording(wording: Callable[[ClerkError], str]) -> None:
    global _wording
    _wording = wording


@dataclass(eq=False)
class ClerkError(Exception):
    """Base of every error the core raises on purpose; `messages.describe` words it."""

    def __post_init__(self) -> None:
        Exception.__init__(self, self.__class__.__name__)

    def __str__(self) -> str:
        if _wording is not None:
            return _wording(self)
        values = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"{self.code}({values})"

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
class UnknownFile(ClerkError):
    file_id: str
    document_id: str


@dataclass(eq=False)
class NumberingLeaseNotHeld(ClerkError):
    """This desk is connected to the central server but does not hold the register's lease."""

    kind: str
    year: int
    series: str


@dataclass(eq=False)
class NothingToStamp(ClerkError):
    document_id: str


@dataclass(eq=False)
class WrongDirection(ClerkError):
    """A life-cycle action on a document of the other direction (an arrival stamp on an
    outgoing decision)."""

    action: str
    direction: str


@dataclass(eq=False)
class WrongState(ClerkError):
    """A life-cycle action before (or after) the state it needs: `state` is where the
    document is (an agency signature before the number and date are on the file)."""

    action: str
    state: str


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


# --- numbering (clerk_app/numbering.py) ------------------------------------------------------


@dataclass(eq=False)
class QpplTypeRefused(ClerkError):
    """Only some types can be legal-normative (QPPL); a copy never is."""

    doc_type: str


@dataclass(eq=False)
class SeriesRefused(ClerkError):
    """The series named does not fit the document: copies and QPPL have series of their own."""

    series: str
    doc_type: str
    required: str  # the series the document belongs to; "" when any but `series`


@dataclass(eq=False)
class DuplicateReference(ClerkError):
    """A live outgoing document of the year already has this số và ký hiệu."""

    reference: str
    year: int


@dataclass(eq=False)
class ArrivalOutOfOrder(ClerkError):
    """Arrival numbers follow the order of receipt; an earlier time needs a late registration."""

    received_at: str
    last_number: int
    last_received_at: str


@dataclass(eq=False)
class RegisterClosed(ClerkError):
    kind: str
    year: int


@dataclass(eq=False)
class ForbiddenCharacter(ClerkError):
    """A control or bidirectional-override character, which hides or reorders what is shown."""

    field: str
    codepoint: str  # `U+202E`


@dataclass(eq=False)
class DateTooEarly(ClerkError):
    field: str
    value: str
    earliest: str


@dataclass(eq=False)
class NotInitialised(ClerkError):
    data_dir: str


@dataclass(eq=False)
class AlreadyInitialised(ClerkError):
    data_dir: str


@dataclass(eq=False)
class DataFolderHoldsOriginals(ClerkError):
    """A new desk would be made beside stored originals of an earlier one (its database lost
    or empty): it would number from 1 again. Restore the database instead."""

    data_dir: str
    originals: int
    empty_database: bool


@dataclass(eq=False)
class NetworkShareRefused(ClerkError):
    data_dir: str
    fs_type: str


@dataclass(eq=False)
class DatabaseNewerThanApp(ClerkError):
    revision: str


@dataclass(eq=False)
class DatabaseDamaged(ClerkError):
    """The database file is corrupt or truncated (SQLite's quick_check or its open failed)."""

    path: str
    detail: str = ""


@dataclass(eq=False)
class DatabaseLocked(ClerkError):
    """Another program holds the database's write lock past the busy timeout."""

    path: str


@dataclass(eq=False)
class DatabaseReadOnly(ClerkError):
    path: str


@dataclass(eq=False)
class AuditMissing(ClerkError):
    """A document's row and its audit entries disagree: entries were removed or never written."""

    document_id: str
    number: int
    year: int
    problem: str  # "no_registration_entry" | "revision_ahead"


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
class StaffListInvalid(ClerkError):
    """A row of an imported list of units and people cannot be taken; nothing was added."""

    path: str
    row: int  # 1-based as the spreadsheet shows it; 0 when no one row is at fault
    problem: str


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


# --- scanning and reading the page (issue 3) -------------------------------------------------


@dataclass(eq=False)
class NoScanner(ClerkError):
    """Discovery found no scanner at all (none plugged in, or its driver is not installed)."""

    driver: str = ""


@dataclass(eq=False)
class ScannerNotFound(ClerkError):
    device: str


@dataclass(eq=False)
class ScannerDriverMissing(ClerkError):
    """The scanner library itself cannot be loaded (pyinsane2 or libsane missing)."""

    driver: str
    detail: str = ""


@dataclass(eq=False)
class ScanStopped(ClerkError):
    """A batch stopped before the end of the feeder; the pages already scanned are kept."""

    device: str = ""
    pages_kept: int = 0
    recovery_dir: str = ""


@dataclass(eq=False)
class ScannerJammed(ScanStopped):
    pass


@dataclass(eq=False)
class ScannerCoverOpen(ScanStopped):
    pass


@dataclass(eq=False)
class ScannerBusy(ScanStopped):
    pass


@dataclass(eq=False)
class ScannerVanished(ScanStopped):
    """The device stopped answering (unplugged, switched off, I/O error)."""


@dataclass(eq=False)
class ScannerFailed(ScanStopped):
    status: str = ""


@dataclass(eq=False)
class ScannerCrashed(ScanStopped):
    """The driver process died; the app itself is unharmed."""

    exit_code: int = 0


@dataclass(eq=False)
class ScannerHung(ScanStopped):
    """The driver sent nothing for `seconds`; its process was ended."""

    seconds: float = 0.0


@dataclass(eq=False)
class ScanCancelled(ScanStopped):
    pass


@dataclass(eq=False)
class OcrUnavailable(ClerkError):
    """Tesseract or its Vietnamese model is not installed."""

    detail: str = ""


@dataclass(eq=False)
class OcrFailed(ClerkError):
    path: str
    detail: str = ""


# --- printed registers and reports -----------------------------------------------------------


@dataclass(eq=False)
class FontMissing(ClerkError):
    """No copy of the bundled font (Tinos) was found where the app looks for it."""

    font_file: str
    searched: tuple[str, ...] = ()


@dataclass(eq=False)
class PeriodReversed(ClerkError):
    date_from: str
    date_to: str


@dataclass(eq=False)
class PeriodAcrossYears(ClerkError):
    """A register covers one year; a period reaching into another year is refused."""

    date_from: str
    date_to: str
    first_year: int
    last_year: int


@dataclass(eq=False)
class PeriodOutsideYear(ClerkError):
    year: int
    date_from: str
    date_to: str


@dataclass(eq=False)
class EmptyPeriod(ClerkError):
    kind: str
    year: int
    date_from: str
    date_to: str


@dataclass(eq=False)
class EmptyHandoverLog(ClerkError):
    """No paper was handed over in the period: the handover log has nothing to print."""

    date_from: str
    date_to: str


@dataclass(eq=False)
class PrintCancelled(ClerkError):
    pages_done: int = 0


@dataclass(eq=False)
class PrinterUnavailable(ClerkError):
    """The chosen printer is not installed, offline, or no printer exists at all."""

    printer: str = ""


# --- stamps and signatures (issue 4) ---------------------------------------------------------


@dataclass(eq=False)
class NoBlankSpaceForStamp(ClerkError):
    page: int
    width_mm: float
    height_mm: float


@dataclass(eq=False)
class StampOutsidePage(ClerkError):
    page: int


@dataclass(eq=False)
class MarkLineNotFound(ClerkError):
    """The `Số:` line or the `…, ngày … tháng … năm …` line is not on the page: the clerk places it."""

    line: str  # "number" | "date"


@dataclass(eq=False)
class SymbolMismatch(ClerkError):
    """The draft prints a symbol (`/QĐ-UBND`) other than the registered reference's."""

    printed: str
    reference: str


@dataclass(eq=False)
class DocumentAlreadySigned(ClerkError):
    """Page content may not change under a signature; number and date go in as appearances."""

    signatures: int


@dataclass(eq=False)
class ChangesNotPermitted(ClerkError):
    """A certification signature (DocMDP) or a field lock forbids adding anything."""

    field: str
    reason: str  # "certified_no_changes" | "locked"


@dataclass(eq=False)
class SignerSignatureMissing(ClerkError):
    """NĐ 30 art. 32: the agency signs only a document the competent signer has signed."""


@dataclass(eq=False)
class SignatureInvalid(ClerkError):
    field: str
    signer: str
    reason: str  # "not_intact" | "not_valid" | "not_trusted" | "modified"


@dataclass(eq=False)
class SealImageMissing(ClerkError):
    """The agency signature on a main document shows the seal image (NĐ 30 appendix I)."""


@dataclass(eq=False)
class TokenModuleMissing(ClerkError):
    path: str


@dataclass(eq=False)
class TokenModuleInvalid(ClerkError):
    path: str
    detail: str = ""


@dataclass(eq=False)
class TokenModuleBitness(ClerkError):
    """The driver is built for 32-bit programs and the desk is 64-bit (or the other way round)."""

    path: str
    module_bits: int
    program_bits: int


@dataclass(eq=False)
class TokenNotFound(ClerkError):
    label: str


@dataclass(eq=False)
class TokenPinIncorrect(ClerkError):
    """Never retried for the user: a few wrong PINs lock the token for good."""

    tries_left: int | None = None  # None when the token does not say


@dataclass(eq=False)
class TokenLocked(ClerkError):
    label: str


@dataclass(eq=False)
class TokenRemoved(ClerkError):
    detail: str = ""


@dataclass(eq=False)
class TokenCertificateMissing(ClerkError):
    label: str


@dataclass(eq=False)
class CertificateExpired(ClerkError):
    subject: str
    not_after: str


@dataclass(eq=False)
class CertificateNotYetValid(ClerkError):
    subject: str
    not_before: str


@dataclass(eq=False)
class CertificateNotForSigning(ClerkError):
    subject: str


@dataclass(eq=False)
class CertificateNotOfAgency(ClerkError):
    """The token's certificate names someone else than the desk's agency."""

    subject: str
    agency: str


@dataclass(eq=False)
class AgencySealPresent(ClerkError):
    """The file already carries the agency's signature (`field`, made by `signer`)."""

    field: str
    signer: str


@dataclass(eq=False)
class CertificateChainIncomplete(ClerkError):
    """No path from the certificate to a root of the trust store: `last` is where it stops."""

    subject: str
    last: str


@dataclass(eq=False)
class SigningFailed(ClerkError):
    detail: str = ""


@dataclass(eq=False)
class TimestampServerFailed(ClerkError):
    """The configured RFC 3161 server did not answer or refused (PAdES B-T)."""

    url: str
    detail: str = ""


@dataclass(eq=False)
class TrustCertificateUnreadable(ClerkError):
    """A file offered to the trust store holds no X.509 certificate (PEM or DER)."""

    path: str


@dataclass(eq=False)
class TrustCertificateOutsideStore(ClerkError):
    """The certificate sits in a folder the administrator named; the desk does not delete it."""

    path: str
    folder: str


# --- the secretary's desk: instructions, deadlines, handovers, tasks ----------------------------


@dataclass(eq=False)
class DeadlineInPast(ClerkError):
    value: str
    today: str


@dataclass(eq=False)
class DeadlineOnDayOff(ClerkError):
    """A warning, never raised: the deadline is kept as written and runs to the end of
    `next_working_day` (see `workdays.limits.deadline_end`)."""

    value: str
    reason: str
    next_working_day: str


@dataclass(eq=False)
class UnknownHandler(ClerkError):
    name: str


@dataclass(eq=False)
class UnknownRecord(ClerkError):
    entity: str
    record_id: str


@dataclass(eq=False)
class EditConflict(ClerkError):
    """Someone saved the record since it was read; nothing was overwritten."""

    entity: str
    record_id: str
    expected_version: int
    current_version: int
    changed_by: str
    changed_at: str


@dataclass(eq=False)
class NoValidDelegation(ClerkError):
    leader: str
    delegate: str
    on: str


@dataclass(eq=False)
class LateReasonMissing(ClerkError):
    task_id: str


@dataclass(eq=False)
class SecretTaskContent(ClerkError):
    task_id: str


# --- sync with the central server (issue 7) -----------------------------------------------


@dataclass(eq=False)
class ServerUnreachable(ClerkError):
    """No answer from the server (network, server down, timeout): the desk works offline."""

    url: str
    detail: str = ""


@dataclass(eq=False)
class LeaseNotHandedOver(ServerUnreachable):
    """A release that never reached the server: this desk still holds the register's lease."""

    kind: str = ""
    series: str = ""
    year: int = 0
    name: str = ""


@dataclass(eq=False)
class LeaseReleaseUnknown(LeaseNotHandedOver):
    """A release sent whose answer never came: it may have been applied, so this desk numbers
    nothing offline in that register until the server says who holds it."""


@dataclass(eq=False)
class ServerFailed(ServerUnreachable):
    """The server was reached but failed (HTTP 5xx): an outage all the same, worded apart."""

    status: int = 500


@dataclass(eq=False)
class ClockSkewed(ClerkError):
    """The desk clock differs from the server's by `skew_s` seconds (positive: ahead). Shown
    as a warning; the desk keeps working and flags what the wrong clock dates."""

    skew_s: int


@dataclass(eq=False)
class ClockTooFarToNumber(ClerkError):
    """The desk clock is more than a day from the server's: numbering would date the paper
    wrong (a December document numbered in the next year's register), so none is given."""

    skew_s: int


@dataclass(eq=False)
class ServerRefused(ClerkError):
    """The server answered with a refusal; `reason` is its stable code (see messages)."""

    reason: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass(eq=False)
class DeskNotConnected(ClerkError):
    data_dir: str


@dataclass(eq=False)
class AgencyMismatch(ClerkError):
    desk_code: str
    server_code: str


@dataclass(eq=False)
class OfflineLoginRefused(ClerkError):
    username: str
    reason: str  # no_verifier | wrong_password | other_user


@dataclass(eq=False)
class OutageNotFound(ClerkError):
    outage_id: int | None  # None: the desk has recorded no outage at all


# --- electronic exchange between agencies: edXML (issue 17) --------------------------------


@dataclass(eq=False)
class EdxmlProblem(ClerkError):
    """A received edXML message that cannot be taken as it is; each subclass says why."""


@dataclass(eq=False)
class EdxmlTooLarge(EdxmlProblem):
    size: int
    limit: int


@dataclass(eq=False)
class EdxmlHostile(EdxmlProblem):
    """XML constructs an edXML message never needs and attacks use (DTDs, entities, bombs)."""

    reason: str  # "doctype" | "entity" | "too_deep" | "too_many_elements"


@dataclass(eq=False)
class EdxmlNotWellFormed(EdxmlProblem):
    line: int
    column: int
    detail: str = ""


@dataclass(eq=False)
class EdxmlNotAMessage(EdxmlProblem):
    """Well-formed XML, but neither an edXML document package nor a status message."""

    root: str


@dataclass(eq=False)
class EdxmlElementMissing(EdxmlProblem):
    element: str  # path below the header, e.g. "MessageHeader/Code/CodeNotation"


@dataclass(eq=False)
class EdxmlBadValue(EdxmlProblem):
    element: str
    value: str
    expected: str = ""


@dataclass(eq=False)
class EdxmlAttachmentDamaged(EdxmlProblem):
    name: str
    reason: str  # "missing" | "base64" | "hash" | "zip" | "too_large" | "empty"


@dataclass(eq=False)
class EdxmlWrongRecipient(EdxmlProblem):
    """Our agency is not among the message's recipients (To/OrganId)."""

    organ_id: str
    recipients: tuple[str, ...] = ()


@dataclass(eq=False)
class EdxmlDuplicate(EdxmlProblem):
    """A message with this DocumentId was received before."""

    document_id: str


@dataclass(eq=False)
class OrganNotInDirectory(ClerkError):
    """An agency has no exchange identifier (mã định danh) in the organ directory."""

    name: str
    directory: str = ""


@dataclass(eq=False)
class NotExportable(ClerkError):
    """Only a registered (not cancelled) outgoing document with a file can be sent."""

    document_id: str
    reason: str  # "incoming" | "cancelled" | "no_file"


@dataclass(eq=False)
class ExchangeItemNotFound(ClerkError):
    """No electronic incoming item of this agency has this id."""

    item_id: str


@dataclass(eq=False)
class ExchangeItemClosed(ClerkError):
    """The item was already registered, refused, recalled or replaced."""

    item_id: str
    status: str


@dataclass(eq=False)
class ExchangeSignatureInvalid(ClerkError):
    """A signature on a received file does not verify: the document has no legal validity."""

    item_id: str
    filename: str


@dataclass(eq=False)
class ExchangeFilesMissing(ClerkError):
    """The item's files have not reached this desk yet (the server was not reachable)."""

    item_id: str
