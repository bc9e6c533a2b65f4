"""Markers put on tests by what they use (gui, server, ocr, slow), so no test file lists its own.

The markers are registered in pyproject.toml. `scripts/test` runs every test but windows_installer; `scripts/test-fast` leaves out the marked
ones. A test is marked
- gui: it lives under tests/ui or uses pytest-qt (qtbot, qapp);
- server: it uses a clerk-server process (the `server` or `sqlite_server` fixture);
- ocr: it runs Tesseract: the modules and tests in OCR below. Every run checks this list: a
  `tesseract` on PATH that counts the pages it reads, and a line at the end of the run naming
  any test that read a page without the marker;
- slow: it took 3 s or more under CI's load (`--durations`): the modules and tests in SLOW.
tests/test_marking.py checks that every name in OCR and SLOW still matches a test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

GUI_FIXTURES = frozenset({"qtbot", "qapp"})
SERVER_FIXTURES = frozenset({"server", "sqlite_server"})

# Paths under tests/: a module ("a/test_b.py") marks all its tests, "a/test_b.py::test_c" one
# test (every parametrisation of it).
OCR = frozenset(
    {
        "clerk_app/reading/test_ocr_library.py",
        "clerk_app/reading/test_reading_extraction.py",
        "scanner/test_scanner_pages.py::test_bilevel_300_dpi_page_is_g4_small_and_searchable",
        "scanner/test_scanner_pages.py::test_clerk_extract_json",
        "scanner/test_scanner_pages.py::test_ocr_progress_counts_pages_across_chunks",
    }
)

# From `--durations` of a whole run (2026-12-07, CI's load: 13-15 on two cores). The test of
# concurrent numbering processes took 5.5 s but stays in the fast subset: it is the core's only
# test that numbers from several processes at once.
SLOW = frozenset(
    {
        "clerk_app/reading/test_ocr_library.py",
        "clerk_app/reading/test_reading_extraction.py::test_harder_layouts_are_read_exactly",
        "clerk_app/stamping/test_arrival_qr.py::test_qr_code_is_drawn_module_for_module_in_the_top_right_of_the_stamp",
        "clerk_app/test_cli.py::test_console_script_and_module_entry_point",
        "clerk_app/test_cli.py::test_output_is_utf8_even_when_the_locale_is_a_windows_code_page",
        "scanner/test_scanner_discovery.py::test_second_discovery_comes_from_the_cache_and_refresh_probes_again",
        "scanner/test_scanner_pages.py::test_a_200_page_batch_is_written_a_few_pages_at_a_time",
        "scanner/test_scanner_pages.py::test_bilevel_300_dpi_page_is_g4_small_and_searchable",
        "scanner/test_scanner_pages.py::test_clerk_extract_json",
        "scanner/test_scanner_pages.py::test_compact_pdf_is_pdfa_2b_and_keeps_its_size",
        "scanner/test_scanner_pages.py::test_encoding_follows_the_page",
        "scanner/test_scanner_pages.py::test_grey_200_dpi_page_is_jpeg_under_400_kib",
        "scanner/test_scanner_pages.py::test_ocr_progress_counts_pages_across_chunks",
        "scanner/test_scanner_pages.py::test_upside_down_page_is_turned_and_blank_page_kept",
        "scanner/test_scanner_sane.py::test_cancel_keeps_the_pages_already_scanned",
        "scanner/test_scanner_sane.py::test_discovery_lists_the_test_device",
        "scanner/test_scanner_separator.py::test_batch_is_split_at_scanned_qr_separators",
        "scanner/test_scanner_separator.py::test_clerk_separator_sheet_prints_sheets_that_split_a_batch",
        "scanner/test_scanner_watch.py::test_finished_files_are_read_and_moved_to_done",
        "sync/server/test_accounts.py::test_first_login_may_only_change_the_password",
        "sync/server/test_desk_credentials.py",
        "sync/server/test_fuzz.py",
        "sync/server/test_http.py",
        "sync/server/test_login_http.py",
        "sync/server/test_mutation_checks.py",
        "sync/test_clock_faults.py::test_a_year_that_ends_during_an_outage",
        "sync/test_clock_faults.py::test_desk_with_a_wrong_clock_is_told_and_its_records_flagged",
        "sync/test_desk_views.py",
        "sync/test_engine.py",
        "sync/test_enrolment.py",
        "sync/test_faults.py",
        "sync/test_file_chunks.py",
        "sync/test_outage_report.py::test_report_of_an_outage_over_a_weekend",
        "sync/test_outage_report.py::test_report_without_an_outage_says_what_to_do",
        "sync/test_runner.py::test_runner_goes_offline_backs_off_and_comes_back",
        "sync/test_upload_kill.py",
        "test_marking.py",
        "ui/test_instruction_screen.py::test_keyboard_only_path_through_a_pile",
        "ui/test_print_register.py::test_the_handover_log_is_a_book_of_the_dialog_and_previews_page_by_page",
        "ui/test_register_model.py::test_cancelled_rows_are_struck_through_and_grey",
        "ui/test_register_model.py::test_model_counts_the_register_and_reads_deep_rows_lazily",
        "ui/test_register_model.py::test_register_page_shows_the_year_and_scrolls_to_the_latest",
        "ui/test_scan_batch_screen.py::test_blank_page_is_flagged_and_read_fills_the_form",
        "ui/test_scan_batch_screen.py::test_cancel_keeps_pages_and_says_so",
        "ui/test_scan_batch_screen.py::test_qr_separator_sheet_splits_the_batch_and_devices_come_from_the_cache",
        "ui/test_scan_to_registration.py::test_scanned_letter_opens_a_prefilled_form_and_registers",
        "ui/test_setup_wizard.py::test_settings_menu_opens_the_same_screens",
        "ui/test_setup_wizard.py::test_step_1_demo_agency",
        "ui/test_setup_wizard.py::test_step_3_scanner_found_and_test_scan",
        "ui/test_signing_screens.py::test_verification_dialog_shows_the_b_t_timestamp_and_a_document_timestamp",
        "ui/test_sync_status.py",
        "ui/test_sync_views.py",
        "ui/test_watch_panel.py::test_dropped_scan_waits_prefilled_and_leaves_the_list_once_registered",
    }
)

TESTS_DIR = Path(__file__).resolve().parent
_PAGE_COUNT = "CLERK_TEST_TESSERACT_COUNT"


def _where(item: pytest.Item) -> tuple[str, str]:
    """The item's module under tests/ and that module with the test's name (no parameters)."""
    module = item.path.resolve().relative_to(TESTS_DIR).as_posix()
    name = getattr(item, "originalname", None) or item.name.split("[")[0]
    return module, f"{module}::{name}"


def _listed(item: pytest.Item, paths: frozenset[str]) -> bool:
    module, test = _where(item)
    return module in paths or test in paths


def pytest_configure(config: pytest.Config) -> None:
    _count_tesseract_pages(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module, _ = _where(item)
        if module.startswith("ui/") or fixtures & GUI_FIXTURES:
            item.add_marker("gui")
        if fixtures & SERVER_FIXTURES:
            item.add_marker("server")
        if _listed(item, OCR):
            item.add_marker("ocr")
        if _listed(item, SLOW):
            item.add_marker("slow")


# --- keeping the ocr marker true ------------------------------------------------------------


def _count_tesseract_pages(config: pytest.Config) -> None:
    """Put a `tesseract` in front of the real one that appends a line to a file per page read
    (not for --list-langs or --version), in this process and the children it starts."""
    real = shutil.which("tesseract")
    if real is None or os.environ.get(_PAGE_COUNT):
        return
    folder = Path(tempfile.mkdtemp(prefix="clerk-tesseract-"))
    count = folder / "pages"
    count.touch()
    wrapper = folder / "tesseract"
    # The paths are written into the script: the desk runs tesseract with a copy of the
    # environment taken when it was imported, so a variable set now may not reach it.
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$1" in --list-langs|--version) ;; *) echo >>' + f" '{count}' ;; esac\n"
        f"exec '{real}' \"$@\"\n"
    )
    wrapper.chmod(0o755)
    os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ[_PAGE_COUNT] = str(count)
    config.stash[_unmarked_key] = []
    config.stash[_folder_key] = folder


_unmarked_key = pytest.StashKey[list[str]]()
_folder_key = pytest.StashKey[Path]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    count = os.environ.get(_PAGE_COUNT)
    unmarked = item.config.stash.get(_unmarked_key, None)
    if not count or unmarked is None:
        yield
        return
    before = os.path.getsize(count)
    yield
    if os.path.getsize(count) > before and item.get_closest_marker("ocr") is None:
        unmarked.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    unmarked = terminalreporter.config.stash.get(_unmarked_key, [])
    if unmarked:
        terminalreporter.section("tests that ran Tesseract without the ocr marker")
        terminalreporter.line("Add them to OCR in tests/marking.py:")
        for nodeid in unmarked:
            terminalreporter.line(f"  {nodeid}")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_folder_key, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
