"""The agency signature on a registered document, as the desk does it: settings, token, version."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from signing_pki import NOW, Pki

from clerk_app import errors
from clerk_app.records import OutgoingDraft
from clerk_app.signing.desk import SigningSettings, load_settings, save_settings, sign_for_agency
from clerk_app.signing.issuing import write_number
from clerk_app.workspace import Workspace


def _settings(pki: Pki, seal: Path, roots: Path) -> SigningSettings:
    return SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
        seal_image=str(seal),
        trust_dirs=(str(roots),),
    )


@pytest.fixture
def signed_outgoing(
    workspace: Workspace, pki: Pki, leader_signed: Callable[..., bytes], tmp_path: Path
) -> str:
    pdf = tmp_path / "qd-lanh-dao-da-ky.pdf"
    pdf.write_bytes(leader_signed())
    draft = OutgoingDraft(
        doc_type="Quyết định",
        subject="Về việc thành lập Tổ công tác",
        signer="Nguyễn Văn Hùng",
        recipients="Như Điều 3",
        files=[pdf],
    )
    doc = workspace.register_outgoing(draft).document.summary.id
    # The agency seals only once the number and date are on the file (clerk_app.lifecycle).
    settings = SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
    )
    write_number(workspace, doc, pki.pin, settings, at=NOW)
    return doc


def test_agency_signs_a_registered_document_as_a_new_version(
    workspace: Workspace, pki: Pki, seal_png: bytes, signed_outgoing: str, tmp_path: Path
) -> None:
    seal = tmp_path / "dau.png"
    seal.write_bytes(seal_png)
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "ca.der").write_bytes(pki.ca.der)
    save_settings(workspace.data_dir, _settings(pki, seal, roots))
    settings = load_settings(workspace.data_dir)
    assert "pin" not in (workspace.data_dir / "signing.json").read_text()
    numbered = next(f for f in workspace.document(signed_outgoing).files if f.role == "numbered")
    change = sign_for_agency(workspace, signed_outgoing, pki.pin, settings, at=NOW)
    assert change.action == "file_signed"
    detail = workspace.document(signed_outgoing)
    agency = next(f for f in detail.files if f.role == "signed")
    assert agency.parent_id == numbered.id
    out = tmp_path / "out.pdf"
    out.write_bytes(workspace.file_bytes(agency.sha256))
    report = subprocess.run(
        ["pdfsig", str(out)], capture_output=True, text=True, check=False
    ).stdout
    # leader, number, date, agency seal
    assert report.count("Signature Validation: Signature is Valid.") == 4
    assert detail.history[-1].details["signature"] == "agency"


def test_wrong_pin_leaves_no_version(
    workspace: Workspace, pki: Pki, seal_png: bytes, signed_outgoing: str, tmp_path: Path
) -> None:
    seal = tmp_path / "dau.png"
    seal.write_bytes(seal_png)
    settings = _settings(pki, seal, tmp_path)
    with pytest.raises(errors.TokenPinIncorrect):
        sign_for_agency(workspace, signed_outgoing, "000000", settings, at=NOW)
    assert [f.role for f in workspace.document(signed_outgoing).files if f.role == "signed"] == []


def test_environment_overrides_saved_settings(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_settings(
        workspace.data_dir, SigningSettings(pkcs11_module="/saved.so", seal_image="a.png")
    )
    monkeypatch.setenv("CLERK_PKCS11_MODULE", "/env.so")
    settings = load_settings(workspace.data_dir)
    assert (settings.pkcs11_module, settings.seal_image) == ("/env.so", "a.png")
    (workspace.data_dir / "signing.json").write_text("{not json")
    with pytest.raises(errors.FileCorrupt):
        load_settings(workspace.data_dir)
