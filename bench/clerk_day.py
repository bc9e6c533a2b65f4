"""A clerk's day, driven offscreen: keystrokes and machine wait per scanned and per outgoing document.

The SANE test device feeds a batch; it is split into documents of a few pages; the clerk's
loop is then run by keys: Ctrl+Enter in the scan window opens the form with the first
document, the fields are typed, Ctrl+Enter registers it and the form fills with the next.
Machine wait is the time from that Ctrl+Enter until the form shows the next document (its
page 1 read and its PDF written in the background meanwhile). The baseline, measured in the
same run on the same pages, is the old way: the clerk clicks «Đọc trang đầu» and waits for
page 1's reading and the PDF before the form opens.

The outgoing side (`--outgoing N`): N decisions, each signed by the leader beforehand (their
own token, outside the desk), are registered from the window (Ctrl+Shift+N, the draft added,
fields typed, Ctrl+Enter gives the number), then issued (Ctrl+Shift+P: the preview with the
number and date in place, the PIN of the agency's token, a real SoftHSM2 PKCS#11 token made for
the run, Enter: number and date written and the agency signature made with one PIN). Waits:
Ctrl+Enter → number shown; Ctrl+Shift+P → preview shown; Enter → issued version stored.

    .venv/bin/python bench/clerk_day.py --documents 20 --pages 3 --dpi 200 [--typing 8]
    .venv/bin/python bench/clerk_day.py --documents 0 --outgoing 10
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, summarise, table, write_json

# What the clerk types when page 1 gives nothing (the SANE test picture has no text):
# characters typed and the non-text keys (Enter to move on, Ctrl+Enter to register).
FIELDS = ("Sở Tài chính", "Công văn", "V/v quyết toán kinh phí")
MOVE_KEYS = 3  # Enter after issuer, reference, date (the form's Enter moves on)


def wait(app: Any, until: Any, timeout: float = 600.0) -> float:
    start = time.perf_counter()
    while not until():
        app.processEvents()
        time.sleep(0.005)
        if time.perf_counter() - start > timeout:
            raise TimeoutError
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3, help="pages per document")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument(
        "--typing", type=float, default=0.0, help="seconds the clerk spends typing a form"
    )
    parser.add_argument("--outgoing", type=int, default=10, help="outgoing documents issued")
    args = parser.parse_args()

    from clerk_app.workspace import Workspace
    from ui.app import make_application
    from ui.main_window import MainWindow

    app = make_application()
    root = Path(tempfile.mkdtemp(prefix="clerk-day-", dir="/var/tmp"))
    ws = Workspace.init(root / "desk", agency_name="UBND tỉnh Phú Yên", agency_code="UBND")
    ws.add_unit("KT", "Phòng Kinh tế")
    if args.outgoing:
        token = make_token(root)  # before Qt's window: SoftHSM reads its config once
    window = MainWindow(ws)
    window.show()
    results: dict[str, Any] = {"machine": machine_info(root)}
    if args.documents:
        results |= scanning_day(app, window, ws, root, args)
    if args.outgoing:
        results |= outgoing_day(app, window, ws, root, token, args.outgoing)
    write_json("clerk_day", results)
    window.close()
    ws.close()


def scanning_day(app: Any, window: Any, ws: Any, root: Path, args: Any) -> dict[str, Any]:
    from scanner.batch import read_first_page, write_document
    from ui.registration_form import IncomingForm

    scan = window.open_scanner(backend_options={"test-picture": "Grid"}, clean=False)
    screen = scan.batch_screen
    screen.device.setEditText("test:0")
    screen.dpi.addItem(f"{args.dpi} dpi", args.dpi)
    screen.dpi.setCurrentIndex(screen.dpi.count() - 1)
    total = args.documents * args.pages
    scan_time = 0.0
    while len(screen.batch.pages) < total:
        screen.start_scan()
        scan_time += wait(app, lambda: not screen.scanning)
    del screen.batch.pages[total:]
    for start in range(args.pages, total, args.pages):
        screen.batch.toggle_split(start)
    documents = screen.batch.documents()
    print(f"{total} pages scanned in {scan_time:.1f} s; {len(documents)} documents")

    # Baseline: the old way, page 1 read and the PDF written while the clerk waits.
    baseline = []
    for i, pages in enumerate(documents[:3]):
        t0 = time.perf_counter()
        read_first_page(pages)
        write_document(pages, root / f"old-{i}.pdf")
        baseline.append(time.perf_counter() - t0)

    # The loop.
    keys: list[int] = []
    typed: list[int] = []
    waits: list[float] = []
    t_loop = time.perf_counter()
    first_wait = 0.0
    scan.register_next()  # Ctrl+Enter in the scan window
    first_wait = wait(app, lambda: any(isinstance(f, IncomingForm) for f in window.open_forms))
    form = next(f for f in window.open_forms if isinstance(f, IncomingForm))
    for n in range(len(documents)):
        before = form.files()[0]
        typed_until = time.perf_counter() + args.typing
        wait(app, lambda u=typed_until: time.perf_counter() >= u)
        form.issuer.setText(FIELDS[0])
        form.doc_type.setEditText(FIELDS[1])
        form.subject.setPlainText(f"{FIELDS[2]} {n + 1}")
        typed.append(sum(len(f) for f in FIELDS) + len(str(n + 1)) + 1)
        keys.append(MOVE_KEYS + 1)
        form.submit()  # Ctrl+Enter
        t0 = time.perf_counter()
        if n + 1 < len(documents):
            wait(
                app,
                lambda b=before: (
                    form.state == "editing" and bool(form.files()) and form.files()[0] != b
                ),
            )
        else:
            wait(app, lambda: form.state == "done")
        waits.append(time.perf_counter() - t0)
    loop_time = time.perf_counter() - t_loop
    registered = ws.register_for("incoming", ws.registers()[0].year).last_number
    assert registered == len(documents), registered
    assert not screen.batch.unregistered_documents()

    after_first = sorted(waits[1:]) if len(waits) > 1 else sorted(waits)
    rows = [
        ["baseline: read + PDF while waiting (3 docs)", *_fmt(summarise(sorted(baseline)))],
        ["loop: wait after Ctrl+Enter (docs 2…)", *_fmt(summarise(after_first))],
    ]
    print(table(["machine wait per document", "median s", "p95 s", "max s"], rows))
    per_hour = 3600 * len(documents) / loop_time
    print(
        f"first form after {first_wait:.2f} s; {len(documents)} documents registered in "
        f"{loop_time:.1f} s of loop ({args.typing:.0f} s typing each) = {per_hour:.0f} "
        "documents/hour"
    )
    print(
        f"keystrokes per document: {keys[0]} keys (Enter ×{MOVE_KEYS}, Ctrl+Enter) + "
        f"{typed[0]} typed characters when page 1 gives nothing to pre-fill"
    )
    scan.close_keeping()
    return {
        "scanning": {
            "documents": len(documents),
            "pages_per_document": args.pages,
            "dpi": args.dpi,
            "typing_seconds": args.typing,
            "scan_seconds": scan_time,
            "baseline_wait_s": baseline,
            "loop_wait_s": waits,
            "first_form_s": first_wait,
            "loop_seconds": loop_time,
            "documents_per_hour_machine": per_hour,
            "keys_per_document": keys[0],
            "typed_characters_per_document": typed[0],
        }
    }


# --- the outgoing side ----------------------------------------------------------------------

PIN = "246810"
OUT_FIELDS = ("Quyết định", "Nguyễn Văn Hùng", "Sở Nội vụ; Lưu: VT, NV.")
# Keys per outgoing document besides typed characters: Ctrl+Shift+N, Ctrl+O and Enter in the
# file dialog, Enter ×3 between fields (type → subject → unit → signer → recipients),
# Ctrl+Enter (number), Esc (form), Ctrl+Shift+P, Enter after the PIN, Esc (dialog).
OUT_KEYS = 11


def make_token(root: Path) -> Any:
    """A SoftHSM2 token holding the agency's key and certificate (CA → sub-CA → agency, as the
    test PKI builds it), and a leader certificate to sign the drafts with."""
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests/clerk_app/signing"))
    home = root / "softhsm"
    (home / "tokens").mkdir(parents=True)
    conf = home / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    import signing_pki as tp

    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            tp.TOKEN_LABEL,
            "--pin",
            PIN,
            "--so-pin",
            tp.SO_PIN,
        ],
        check=True,
        capture_output=True,
    )
    ca = tp._certificate("CA thử nghiệm Ban Cơ yếu", tp._key(), None, ca=True)
    sub_ca = tp._certificate("CA thử nghiệm phục vụ các cơ quan nhà nước", tp._key(), ca, ca=True)
    leader = tp._certificate("Nguyễn Văn Hùng", tp._key(), ca)
    agency = tp._certificate("Ủy ban nhân dân tỉnh Phú Yên", tp._key(), sub_ca)
    import pkcs11

    lib = pkcs11.lib(tp.SOFTHSM_MODULE)
    with lib.get_token(token_label=tp.TOKEN_LABEL).open(rw=True, user_pin=PIN) as session:
        tp._store_on_token(session, "agency", b"\x01", agency)
        tp._certificate_on_token(session, "ca-trung-gian", b"\x05", sub_ca)
    from clerk_app.signing import token as token_module

    token_module._LIBRARIES[tp.SOFTHSM_MODULE] = lib
    return tp, ca, leader


def outgoing_day(
    app: Any, window: Any, ws: Any, root: Path, token: Any, count: int
) -> dict[str, Any]:
    from datetime import timedelta

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from clerk_app.signing import sign
    from clerk_app.signing.desk import SigningSettings, save_settings
    from clerk_app.stamping.appearance import image_appearance
    from ui.issue_dialog import IssueDialog
    from ui.registration_form import OutgoingForm

    tp, ca, leader = token
    seal = root / "dau.png"
    seal.write_bytes(tp.signature_png((220, 20, 20), "seal", (472, 472)))
    save_settings(
        ws.data_dir,
        SigningSettings(tp.SOFTHSM_MODULE, tp.TOKEN_LABEL, "agency", seal_image=str(seal)),
    )
    ws.add_person("Nguyễn Văn Hùng", "KT", "Chủ tịch")
    # The leader signs each draft with their own token beforehand (not the clerk's work).
    box = tp.LEADER_BOX
    look = sign.Appearance(
        0,
        box,
        image_appearance(tp.signature_png((20, 40, 170), "x", (600, 260)), box.width, box.height),
    )
    drafts = []
    for i in range(count):
        path = root / f"du-thao-qd-{i + 1:02d}.pdf"
        path.write_bytes(
            sign.sign_pdf(
                tp.outgoing_draft(),
                leader.simple_signer(ca),
                "ChuKyLanhDao",
                tp.NOW - timedelta(hours=1),
                look,
            )
        )
        drafts.append(path)

    register_wait: list[float] = []
    preview_wait: list[float] = []
    issue_wait: list[float] = []
    typed: list[int] = []
    issued_ids: list[str] = []
    from ui.main_window import PAGE_OUTGOING

    window.show_page(PAGE_OUTGOING)  # Ctrl+2 once: the outgoing register, where Ctrl+Shift+P acts
    t_day = time.perf_counter()
    for i, draft in enumerate(drafts):
        window.action_outgoing.trigger()  # Ctrl+Shift+N
        wait(app, lambda: any(isinstance(f, OutgoingForm) for f in window.open_forms))
        form = next(f for f in window.open_forms if isinstance(f, OutgoingForm))
        form.add_files([draft])  # Ctrl+O, the file's name, Enter
        subject = f"V/v thành lập Tổ công tác cải cách hành chính số {i + 1}"
        form.doc_type.setEditText(OUT_FIELDS[0])
        form.subject.setPlainText(subject)
        form.signer.setEditText(OUT_FIELDS[1])
        form.recipients.setPlainText(OUT_FIELDS[2])
        typed.append(sum(len(x) for x in OUT_FIELDS) + len(subject) + len(draft.name) + len(PIN))
        t0 = time.perf_counter()
        form.submit()  # Ctrl+Enter
        wait(app, lambda f=form: f.state == "done")
        register_wait.append(time.perf_counter() - t0)
        document_id = form.last_result.document.summary.id
        QTest.keyClick(form, Qt.Key.Key_Escape)
        wait(app, lambda f=form: f not in window.open_forms)
        t0 = time.perf_counter()
        # The register has moved to the new number; its detail follows (a short debounce).
        wait(app, lambda d=document_id: window.detail.document_id == d)
        window.action_issue.trigger()  # Ctrl+Shift+P on the row just numbered
        dialog = wait_for(app, lambda: _newest(window, IssueDialog), 60.0)
        assert dialog.document_id == document_id, "the register selected another row"
        wait(app, lambda d=dialog: d.page.pixmap() is not None and not d.page.pixmap().isNull())
        preview_wait.append(time.perf_counter() - t0)
        QTest.keyClicks(dialog.pin, PIN)
        t0 = time.perf_counter()
        QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
        wait(app, lambda d=dialog: d.change is not None or "Đã phát hành" in d.state.text())
        issue_wait.append(time.perf_counter() - t0)
        assert dialog.state.text() == "Đã phát hành", dialog.outcome.text()
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        dialog.deleteLater()
        issued_ids.append(document_id)
    day = time.perf_counter() - t_day
    # Baseline in the same run: the core alone (what `clerk register-outgoing` + `clerk issue`
    # do), no window, on three more drafts: the window's own share of the waits is the rest.
    from clerk_app.records import OutgoingDraft
    from clerk_app.signing import issuing

    settings = SigningSettings(tp.SOFTHSM_MODULE, tp.TOKEN_LABEL, "agency", seal_image=str(seal))
    core_register: list[float] = []
    core_issue: list[float] = []
    for i in range(3):
        path = root / f"du-thao-core-{i}.pdf"
        path.write_bytes(drafts[i].read_bytes())
        t0 = time.perf_counter()
        done = ws.register_outgoing(
            OutgoingDraft(
                doc_type=OUT_FIELDS[0],
                subject=f"V/v lõi {i}",
                signer=OUT_FIELDS[1],
                recipients=OUT_FIELDS[2],
                files=[path],
            )
        )
        core_register.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        issuing.issue(ws, done.document.summary.id, PIN, settings)
        core_issue.append(time.perf_counter() - t0)
    roles = [[f.role for f in ws.document(d).files] for d in issued_ids]
    assert all("issued" in r for r in roles), roles
    issued = [f for f in ws.document(issued_ids[-1]).files if f.role == "issued"][-1]
    out = root / "issued-last.pdf"
    out.write_bytes(ws.file_bytes(issued.sha256))
    pdfsig = tp.pdfsig(out)

    rows = [
        ["Ctrl+Enter → number shown", *_fmt(summarise(sorted(register_wait)))],
        ["Ctrl+Shift+P → preview shown", *_fmt(summarise(sorted(preview_wait)))],
        ["PIN, Enter → issued and stored", *_fmt(summarise(sorted(issue_wait)))],
        ["baseline, core alone: register_outgoing (3)", *_fmt(summarise(sorted(core_register)))],
        ["baseline, core alone: issuing.issue (3)", *_fmt(summarise(sorted(core_issue)))],
    ]
    print(table(["machine wait per outgoing document", "median s", "p95 s", "max s"], rows))
    total_wait = [
        a + b + c for a, b, c in zip(register_wait, preview_wait, issue_wait, strict=True)
    ]
    print(
        f"{count} outgoing documents numbered and issued in {day:.1f} s "
        f"({3600 * count / day:.0f} an hour machine-side); waits per document median "
        f"{sorted(total_wait)[len(total_wait) // 2]:.2f} s; keys per document: {OUT_KEYS} + "
        f"{typed[0]} typed characters (fields, the draft's file name, the PIN)"
    )
    print(f"pdfsig on the last issued file: {pdfsig.count('Signature is Valid')} valid signatures")
    return {
        "outgoing": {
            "documents": count,
            "register_wait_s": register_wait,
            "preview_wait_s": preview_wait,
            "issue_wait_s": issue_wait,
            "seconds": day,
            "documents_per_hour_machine": 3600 * count / day,
            "keys_per_document": OUT_KEYS,
            "typed_characters_per_document": typed[0],
            "pdfsig_valid_signatures": pdfsig.count("Signature is Valid"),
            "baseline_core_register_s": core_register,
            "baseline_core_issue_s": core_issue,
        }
    }


def _newest(window: Any, kind: type) -> Any:
    found = [d for d in window.findChildren(kind) if d.isVisible()]
    return found[-1] if found else None


def wait_for(app: Any, get: Any, timeout: float = 600.0) -> Any:
    found: list[Any] = []
    try:
        wait(app, lambda: bool(found.append(get()) or found[-1] is not None), timeout)
    except TimeoutError:
        raise SystemExit(f"nothing came; status bar: {app.activeWindow()}") from None
    return found[-1]


def _fmt(stats: dict[str, float]) -> list[str]:
    return [f"{stats[k] / 1000:.2f}" for k in ("p50_ms", "p95_ms", "max_ms")]


if __name__ == "__main__":
    main()
