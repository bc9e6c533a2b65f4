"""Token drivers: the header reader on DLLs made in the test and on real Windows DLLs (Wine's),
the presets and detection (System32-like folders), the check before loading, and every failure
a clerk meets worded in Vietnamese (SoftHSM2 for the real ones)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pe_files import dll

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.signing import token as tokens
from clerk_app.signing import token_drivers
from clerk_app.signing.binary_format import read_binary

PKCS11 = ["C_GetFunctionList", "C_Initialize", "C_Finalize", "C_GetSlotList"]
WINE = Path("/usr/lib/x86_64-linux-gnu/wine")


@pytest.mark.parametrize("bits", [32, 64])
def test_a_generated_dll_is_read_with_bitness_and_exports(tmp_path: Path, bits: int) -> None:
    path = tmp_path / "vnpt-ca_csp11.dll"
    path.write_bytes(dll(bits, PKCS11))
    info = read_binary(path)
    assert info is not None and info.kind == "pe" and info.is_library
    assert info.bits == bits and info.architecture == ("x64" if bits == 64 else "x86")
    assert info.exports == frozenset(PKCS11)


def test_real_windows_dlls_of_both_bitnesses() -> None:
    # Wine's own DLLs are genuine PE files built by MinGW, 64-bit and 32-bit.
    kernel64 = read_binary(WINE / "x86_64-windows" / "kernel32.dll")
    zlib32 = read_binary(WINE / "i386-windows" / "zlib1.dll")
    assert kernel64 is not None and kernel64.bits == 64 and kernel64.is_library
    assert zlib32 is not None and zlib32.bits == 32 and zlib32.architecture == "x86"
    assert "CreateFileW" in kernel64.exports and "inflate" in zlib32.exports
    assert "C_GetFunctionList" not in kernel64.exports


def test_linux_libraries_are_read_too() -> None:
    softhsm = read_binary("/usr/lib/softhsm/libsofthsm2.so")
    assert softhsm is not None and softhsm.kind == "elf" and softhsm.bits == 64


@pytest.mark.parametrize(
    ("damage", "readable"),
    [
        (lambda b: b[:80], False),  # cut inside the COFF header
        (lambda b: b[:0x3C] + struct.pack("<I", 0x7FFFFFF0) + b[0x40:], False),  # e_lfanew too far
        (lambda b: b[:0x218] + b"\xff" * 8 + b[0x220:], True),  # export counts of garbage
        (lambda b: b[:0x200], True),  # the export section cut off
        (lambda b: b"MZ" + b"\0" * 10, False),
    ],
)
def test_broken_files_give_none_or_no_exports_never_an_error(
    tmp_path: Path, damage: object, readable: bool
) -> None:
    path = tmp_path / "broken.dll"
    path.write_bytes(damage(dll(64, PKCS11)))  # type: ignore[operator]
    info = read_binary(path)
    if not readable:
        assert info is None
    else:
        assert info is not None and info.bits == 64 and info.exports == frozenset()
        with pytest.raises(errors.TokenModuleInvalid):
            token_drivers.check_driver(path, bits=64)


def test_check_before_loading_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(errors.TokenModuleMissing):
        token_drivers.check_driver(tmp_path / "khong-co.dll")
    old = tmp_path / "viettel-ca_v5.dll"
    old.write_bytes(dll(32, PKCS11))
    with pytest.raises(errors.TokenModuleBitness) as caught:
        token_drivers.check_driver(old, bits=64)
    text = describe(caught.value).one_line()
    assert "32-bit" in text and "64-bit" in text and "Cài bản 64-bit" in text
    not_pkcs11 = tmp_path / "printer.dll"
    not_pkcs11.write_bytes(dll(64, ["DllMain", "PrintIt"]))
    with pytest.raises(errors.TokenModuleInvalid) as invalid:
        token_drivers.check_driver(not_pkcs11, bits=64)
    assert "C_GetFunctionList" in describe(invalid.value).one_line()
    good = tmp_path / "eTPKCS11.dll"
    good.write_bytes(dll(64, PKCS11))
    assert token_drivers.check_driver(good, bits=64) is not None


def test_detection_in_system_folders_names_the_ca_and_flags_the_wrong_bitness(
    tmp_path: Path,
) -> None:
    system32, syswow64 = tmp_path / "System32", tmp_path / "SysWOW64"
    system32.mkdir()
    syswow64.mkdir()
    (system32 / "vnpt-ca_csp11.dll").write_bytes(dll(64, PKCS11))
    (system32 / "BkavCA.dll").write_bytes(dll(64, PKCS11))
    (system32 / "bcy_token_p11.dll").write_bytes(dll(64, PKCS11))  # a CA the list does not know
    (system32 / "kernelbase.dll").write_bytes(dll(64, ["CreateFileW"]))
    (system32 / "notes.txt").write_text("không phải thư viện")
    (syswow64 / "viettel-ca_v6.dll").write_bytes(dll(32, PKCS11))
    found = token_drivers.find_drivers("win32", [system32, syswow64], bits=64)
    by_file = {d.path.name: d for d in found}
    assert set(by_file) == {"vnpt-ca_csp11.dll", "BkavCA.dll", "bcy_token_p11.dll", "viettel-ca_v6.dll"}
    assert by_file["vnpt-ca_csp11.dll"].name == "VNPT-CA" and by_file["vnpt-ca_csp11.dll"].usable
    assert by_file["BkavCA.dll"].name == "BKAV-CA"
    assert by_file["bcy_token_p11.dll"].name.startswith("Trình điều khiển khác")
    assert not by_file["bcy_token_p11.dll"].preset and by_file["bcy_token_p11.dll"].usable
    viettel = by_file["viettel-ca_v6.dll"]
    assert viettel.name == "Viettel-CA" and not viettel.usable and viettel.bits == 32
    assert found[-1] is viettel  # the unusable ones come last
    choices = token_drivers.driver_choices("win32", [system32, syswow64])
    labels = [label for label, _ in choices]
    assert labels[0].startswith(("BKAV-CA", "VNPT-CA"))
    assert any(label.startswith("FPT-CA (chưa thấy") for label in labels)
    assert any("Ban Cơ yếu" in label for label in labels)


def test_every_listed_ca_has_a_preset() -> None:
    names = " ".join(p.name for p in token_drivers.PRESETS)
    for ca in ("VNPT", "Viettel", "BKAV", "FPT", "CA2", "Vina-CA", "SafeNet", "ePass2003",
               "Ban Cơ yếu", "Safe-CA", "EFY", "NewCA", "MISA"):
        assert ca in names, ca


def test_linux_detection_finds_softhsm() -> None:
    found = token_drivers.find_drivers("linux")
    assert any(d.path == Path("/usr/lib/softhsm/libsofthsm2.so") and d.usable for d in found)


def test_failures_with_a_real_token(pki: object, tmp_path: Path) -> None:
    choice = pki.choice  # type: ignore[attr-defined]
    # No token in the slot: SoftHSM's module with a label no token carries.
    with pytest.raises(errors.TokenNotFound) as missing:
        tokens.check_login(tokens.TokenChoice(choice.module, "KHONG-CO"), "000000")
    assert "Cắm USB ký số" in describe(missing.value).one_line()
    # Wrong PIN: told once, never retried.
    with pytest.raises(errors.TokenPinIncorrect):
        tokens.check_login(choice, "000000")
    # The right PIN: the certificate that would sign.
    cert = tokens.check_login(choice, pki.pin)  # type: ignore[attr-defined]
    assert cert.subject == "Ủy ban nhân dân tỉnh Phú Yên"


def test_tries_left_and_locked_are_read_from_the_token_flags() -> None:
    from pkcs11 import TokenFlag

    assert tokens.tries_left(int(TokenFlag.USER_PIN_FINAL_TRY)) == 1
    assert tokens.tries_left(int(TokenFlag.USER_PIN_LOCKED)) == 0
    assert "còn 1 lần thử" in describe(errors.TokenPinIncorrect(1)).one_line()
    assert "đã bị khóa" in describe(errors.TokenLocked("UBND")).one_line()
