"""The central server's refusal codes that reach the desk are worded in Vietnamese, each with
what to do: the codes added for checked mutations, desk credentials and accounts."""

from __future__ import annotations

import pytest

from clerk_app import errors
from clerk_app.messages import LOCK_REASONS, describe

CODES = (
    "desk_credential_wrong",
    "login_throttled",
    "weak_password",
    "password_unchanged",
    "password_changed_meanwhile",
    "invalid_mutation",
    "role_not_allowed",
    "role_cannot_number",
    "file_missing",
    "server_busy",
    "invalid_range",
    "file_hash_mismatch",
    "file_too_large",
    # answers to one registration
    "number_out_of_sequence",
    "sequence_reused",
    # electronic exchange
    "exchange_not_set_up",
    "exchange_item_not_found",
    "exchange_status_not_allowed",
    "exchange_not_sent",
    "edxml_invalid",
    "edxml_not_document",
    "wrong_sender",
)


@pytest.mark.parametrize("code", CODES)
def test_each_code_is_worded_with_what_to_do(code: str) -> None:
    message = describe(errors.ServerRefused(code))
    assert code not in message.what and message.todo


@pytest.mark.parametrize("reason", [*LOCK_REASONS, "nghi_viec"])
def test_a_locked_account_says_why(reason: str) -> None:
    message = describe(errors.ServerRefused("account_locked", {"reason": reason}))
    assert message.what.startswith("Tài khoản đã bị khóa")
    if reason in LOCK_REASONS:
        assert LOCK_REASONS[reason] in message.what


def test_an_old_desk_refused_for_its_credential_is_told_to_update() -> None:
    message = describe(errors.ServerRefused("protocol_too_old", {"reason": "desk_credential"}))
    assert "mã xác thực" in message.what and "Cập nhật" in message.todo


def test_a_failing_server_is_worded_apart_from_an_unreachable_one() -> None:
    failed = describe(errors.ServerFailed("http://may-chu", "HTTP 500", 500))
    down = describe(errors.ServerUnreachable("http://may-chu", "ConnectError"))
    assert "gặp lỗi" in failed.what and "Không kết nối được" in down.what


@pytest.mark.parametrize(
    "error",
    [
        errors.ExchangeItemNotFound("abc"),
        errors.ExchangeItemClosed("abc", "recalled"),
        errors.ExchangeSignatureInvalid("abc", "qd.pdf"),
        errors.ExchangeFilesMissing("abc"),
    ],
)
def test_each_inbox_error_is_worded_with_what_to_do(error: errors.ClerkError) -> None:
    message = describe(error)
    assert type(error).__name__ not in message.what and message.todo


def test_registration_answers_say_what_happened_and_what_to_do_in_one_line() -> None:
    # Offline number not following the server's: it waits for the administrator's check.
    gap = describe(errors.ServerRefused("number_out_of_sequence"))
    assert "hàng chờ đối chiếu" in gap.what and "quản trị hệ thống" in gap.todo
    # A sequence the server already applied (a desk restored from a backup): sync again.
    reused = describe(errors.ServerRefused("sequence_reused"))
    assert "khôi phục" in reused.what and reused.todo.startswith("Đồng bộ lại")
    for message in (gap, reused):
        assert "\n" not in message.one_line() and len(message.one_line()) < 260
