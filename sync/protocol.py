"""The wire protocol between desk and server: version, limits and names both sides share; no I/O."""

from __future__ import annotations

# Bumped when a message changes meaning. A server answers 426 to a desk older than
# MIN_DESK_PROTOCOL, so an old desk is told to upgrade instead of corrupting the registers.
PROTOCOL_VERSION = 1
MIN_DESK_PROTOCOL = 1
PROTOCOL_HEADER = "X-Clerk-Protocol"

# A batch larger than this is refused whole (413): it bounds the server's transaction and memory.
MAX_BATCH = 500
MAX_BODY_BYTES = 8 * 1024 * 1024
# Files travel in chunks, each resumable from the server's offset. FILE_CHUNK is what every
# server accepts (and all a server that does not advertise more is sent); a server that says
# "file_chunk" in its hello accepts up to MAX_FILE_CHUNK, so a desk sends a 20 MB scan in three
# requests instead of twenty (each request is authenticated, appended and fsynced). Old desks keep
# sending 1 MiB chunks and stay served: no protocol version bump is needed in either direction.
FILE_CHUNK = 1024 * 1024
MAX_FILE_CHUNK = 8 * 1024 * 1024
HELLO_FILE_CHUNK = "file_chunk"
# A server that writes a chunk to disk as it arrives (hashing it on the way) holds no chunk in
# memory, so it offers this much in "file_chunk": a 50-page scan goes up in one request. A desk
# streams such a chunk from its file; a cut one keeps what arrived, and the desk resumes from
# the server's offset as before. Servers of before offer MAX_FILE_CHUNK and are sent that.
STREAM_FILE_CHUNK = 64 * 1024 * 1024
MAX_FILE_BYTES = 512 * 1024 * 1024
# Whole small contents travel several to a request (a day's 1-page scans after an outage: a
# dozen requests, not a thousand), each way, on a server that says "files_batch" in its hello
# and its desk standing: up to MAX_FILE_CHUNK bytes and MAX_BATCH_FILES contents a request,
# each at most BATCH_FILE_MAX (larger ones go in resumable chunks). A batch is a JSON line
# `{"files": [{"sha256", "size"}…]}` then the bytes one after the other; a fetch answers
# the same way (a content the agency lacks is listed `missing`, without bytes).
FILES_BATCH_PATH = "/v1/files/batch"
FILES_FETCH_PATH = "/v1/files/fetch"
HELLO_FILES_BATCH = "files_batch"
BATCH_FILE_MAX = 4 * 1024 * 1024
MAX_BATCH_FILES = 256
MAX_BATCH_MANIFEST = 64 * 1024

# A desk clock further than this from the server's is shown as wrong, and what it records meanwhile
# is flagged (the recorded time is kept: it is what the clerk wrote, and the law wants it intact).
CLOCK_SKEW_TOLERANCE_S = 120
CLOCK_SKEW_FIELD = "clock_skew_s"  # on a mutation: the desk's clock minus the server's, seconds

ROLES = ("clerk", "secretary", "leader", "admin")
# Roles allowed to number documents and hold a numbering lease.
NUMBERING_ROLES = ("clerk", "admin")
# A forced revocation holds at most this many numbers after the server's last for the revoked
# desk (a week offline at a busy desk is a few hundred): a slip of the keyboard must not write
# a million voids.
MAX_HELD_NUMBERS = 5000

# Operations a desk's outbox may carry; anything else is rejected as unknown, never guessed at.
REGISTER_OPS = ("register_incoming", "register_outgoing")
DOCUMENT_OPS = (
    *REGISTER_OPS,
    "correct",
    "cancel",
    "hand_over",
    "attach_files",
    "file_stamped",
    "file_signed",
)
DRAFT_OP = "submit_draft"
# The lease holder gives up numbers up to `through` for the server to issue online, after raising
# its own counter past them (DESIGN.md, «Numbering online and offline»).
CEDE_OP = "cede_numbers"
# How far ahead of the register's last number a holder online keeps numbers ceded: other desks
# number online at once until they have used these; each one the holder leaves unused when it
# numbers offline is recorded as a void.
CEDE_BLOCK = 5
DESK_ONLY_OPS = ("create_agency", "open_register", "add_unit", "add_person")
# Who may send which mutation, by the account's role; an op not named here is open to every
# role (it only adds files to a document, or stays on the desk that made it). A leader's or a
# secretary's registration or draft is refused, never numbered.
NUMBERING_OPS = (*REGISTER_OPS, DRAFT_OP, CEDE_OP)
OP_ROLES: dict[str, tuple[str, ...]] = {
    **{op: NUMBERING_ROLES for op in NUMBERING_OPS},
    **{op: NUMBERING_ROLES for op in ("correct", "cancel", "open_register", "add_unit")},
    "hand_over": ("clerk", "secretary", "admin"),
}

# A desk proves it is itself with a secret it made when it first connected (sent at every login
# under this name). A desk of before the field sends none: it may still log in as a desk that
# never presented one, and is told to update (`protocol_too_old`) for a desk that has.
LOGIN_DESK_CREDENTIAL = "desk_credential"

# Per-mutation answers.
OK = "ok"
REJECTED = "rejected"
RECONCILE = "reconcile"  # kept in the reconciliation queue for a person; never merged silently
PROVISIONAL = "provisional"  # a draft waiting for its official number

# Electronic exchange: a document package (edXML, base64 attachments inside) is sent whole in
# one request, so its limit is the package's, not a JSON body's.
EXCHANGE_SEND_PATH = "/v1/exchange/send"
MAX_EDXML_BYTES = 64 * 1024 * 1024
