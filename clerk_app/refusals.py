"""The central server's refusal and answer codes, in one place: the server raises them, the
desk's sync engine tests them and clerk_app/messages.py words them. Pure; no wording here.
"""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """Why the server refused a request, or did not simply accept one mutation of an upload.

    A StrEnum: it travels in JSON as its plain code, so desks and servers of any version agree.
    """

    # Logging in and accounts
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    ACCOUNT_LOCKED = "account_locked"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    PASSWORD_CHANGED_MEANWHILE = "password_changed_meanwhile"
    PASSWORD_UNCHANGED = "password_unchanged"
    WEAK_PASSWORD = "weak_password"
    SESSION_EXPIRED = "session_expired"
    NOT_LOGGED_IN = "not_logged_in"
    DESK_OF_OTHER_AGENCY = "desk_of_other_agency"
    DESK_CREDENTIAL_WRONG = "desk_credential_wrong"
    UNKNOWN_DESK = "unknown_desk"
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_EXISTS = "account_exists"
    UNKNOWN_AGENCY = "unknown_agency"
    AGENCY_EXISTS = "agency_exists"
    INVALID_AGENCY_CODE = "invalid_agency_code"
    INVALID_USERNAME = "invalid_username"
    INVALID_ROLE = "invalid_role"
    PASSWORD_ENV_EMPTY = "password_env_empty"
    MISSING_FIELD = "missing_field"

    # The request itself
    PROTOCOL_TOO_OLD = "protocol_too_old"
    SERVER_TOO_OLD = "server_too_old"
    MALFORMED = "malformed"
    REQUEST_TOO_LARGE = "request_too_large"
    BATCH_TOO_LARGE = "batch_too_large"
    SERVER_BUSY = "server_busy"
    INTERNAL = "internal"

    # Numbering leases
    LEASE_HELD = "lease_held"
    NO_LEASE = "no_lease"
    LEASE_MOVED = "lease_moved"  # a release or revocation named a lease (epoch) no longer current
    DESK_BEHIND = "desk_behind"
    # The desk gave numbers the server never accepted (offline, under a lease since revoked):
    # a new lease would cede them and the server would give them again.
    DESK_AHEAD = "desk_ahead"
    ADMIN_ONLY = "admin_only"
    # A forced revocation names the last number the revoked desk may have written on paper.
    LOST_THROUGH_REQUIRED = "lost_through_required"
    LOST_THROUGH_TOO_FAR = "lost_through_too_far"
    ROLE_CANNOT_NUMBER = "role_cannot_number"
    OUTBOX_NOT_EMPTY = "outbox_not_empty"

    # Connecting a desk that already has a history
    HISTORY_ON_SERVER = "history_on_server"
    HISTORY_SENT_ELSEWHERE = "history_sent_elsewhere"

    # One mutation of an upload (the answer's reason)
    SEQUENCE_GAP = "sequence_gap"
    SEQUENCE_REUSED = "sequence_reused"
    MUTATION_ID_REUSED = "mutation_id_reused"  # a new sequence number naming an applied id
    INVALID_MUTATION = "invalid_mutation"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    FILE_MISSING = "file_missing"
    DOCUMENT_EXISTS = "document_exists"
    UNKNOWN_DOCUMENT = "unknown_document"
    DOCUMENT_CANCELLED = "document_cancelled"
    NUMBER_TAKEN = "number_taken"
    NUMBER_OUT_OF_SEQUENCE = "number_out_of_sequence"
    LEASE_REVOKED = "lease_revoked"
    CONFLICT = "conflict"
    REGISTER_LEASED = "register_leased"
    KEPT_ON_DESK = "kept_on_desk"

    # File contents
    FILE_TOO_LARGE = "file_too_large"
    FILE_LONGER_THAN_DECLARED = "file_longer_than_declared"
    FILE_HASH_MISMATCH = "file_hash_mismatch"
    FILE_NOT_FOUND = "file_not_found"
    WRONG_OFFSET = "wrong_offset"
    INVALID_RANGE = "invalid_range"

    # Exchange between agencies (liên thông)
    AGENCY_NOT_FOUND = "agency_not_found"
    EXCHANGE_NOT_SET_UP = "exchange_not_set_up"
    EXCHANGE_ITEM_NOT_FOUND = "exchange_item_not_found"
    EXCHANGE_STATUS_NOT_ALLOWED = "exchange_status_not_allowed"
    EXCHANGE_NOT_SENT = "exchange_not_sent"
    EXCHANGE_NO_GATEWAY = "exchange_no_gateway"
    EXCHANGE_PACKAGE_MISSING = "exchange_package_missing"
    EDXML_INVALID = "edxml_invalid"
    EDXML_NOT_DOCUMENT = "edxml_not_document"
    WRONG_SENDER = "wrong_sender"
