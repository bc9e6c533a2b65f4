"""The USB token pulled out mid-signature: TokenRemoved, in Vietnamese, and nothing written.

SoftHSM cannot be unplugged, so the token's raw signing call (python-pkcs11's SignMixin.sign,
which pyHanko's PKCS11Signer calls after login, key lookup and the PDF's digest) raises what
a real driver returns when the device disappears: CKR_DEVICE_REMOVED.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pkcs11.types
import pytest
from cryptography.hazmat.primitives import serialization
from pkcs11 import exceptions as p11
from signing_pki import NOW, Pki

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.messages import describe
from clerk_app.records import OutgoingDraft
from clerk_app.signing.desk import SigningSettings
from clerk_app.signing.issuing import issue
from clerk_app.workspace import Workspace


@pytest.fixture
def unplugged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every raw signature on the token fails as if the device were gone; counts the tries."""
    calls: list[int] = []

    def removed(self: Any, data: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        raise p11.DeviceRemoved()

    monkeypatch.setattr(pkcs11.types.SignMixin, "sign", removed)
    return calls


def test_token_removed_while_signing_from_the_cli_leaves_no_file(
    workspace: Workspace,
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    unplugged: list[int],
) -> None:
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "ca.pem").write_bytes(pki.ca.cert.public_bytes(serialization.Encoding.PEM))
    for name, value in (
        ("CLERK_PKCS11_MODULE", pki.choice.module),
        ("CLERK_TOKEN_LABEL", pki.choice.token_label),
        ("CLERK_CERT_LABEL", "agency"),
        ("CLERK_PIN", pki.pin),
        ("CLERK_TRUST_DIR", str(trust)),
    ):
        monkeypatch.setenv(name, value)
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(leader_signed())
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    out = tmp_path / "sealed.pdf"
    document = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc thành lập Tổ công tác",
            signer="Nguyễn Văn Hùng",
            recipients="Như Điều 3",
            files=[signed],
        )
    ).document.summary.id
    before = workspace.document(document)

    argv = ["--data-dir", str(workspace.data_dir), "issue", document]
    code = main([*argv, "--seal-image", str(seal), "--out", str(out), "--json"])
    stdout, err = capsys.readouterr()

    assert unplugged, "the token's signing call was reached"
    assert code == 2
    assert json.loads(stdout)["error"]["code"] == "TokenRemoved"
    assert "USB ký số bị rút ra" in err
    assert not out.exists()
    assert workspace.document(document).files == before.files


def test_token_removed_while_signing_at_the_desk_adds_no_version(
    workspace: Workspace,
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
    unplugged: list[int],
) -> None:
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(leader_signed())
    seal = tmp_path / "dau.png"
    seal.write_bytes(seal_png)
    document = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc thành lập Tổ công tác",
            signer="Nguyễn Văn Hùng",
            recipients="Như Điều 3",
            files=[pdf],
        )
    ).document.summary.id
    settings = SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label="agency",
        seal_image=str(seal),
    )
    before = workspace.document(document)

    with pytest.raises(errors.TokenRemoved) as caught:
        # «Phát hành»: number, date and seal in one token session, stored only at the end.
        issue(workspace, document, pki.pin, settings, at=NOW)

    assert unplugged, "the token's signing call was reached"
    assert caught.value.detail == "DeviceRemoved"
    assert "Cắm lại USB ký số" in describe(caught.value).todo
    after = workspace.document(document)
    assert after.files == before.files
    assert len(after.history) == len(before.history)
