"""Markers put on tests by what they use (gui, server, ocr, slow), so no test file lists its own.

The markers are registered in pyproject.toml. `scripts/test` runs every test but windows_installer; `scripts/test-fast` leaves out the marked
ones. A test is marked
- gui: it lives under tests/ui or uses pytest-qt (qtbot, qapp);
- server: it uses a clerk-server process (the `server` or `sqlite_server` fixture);
- ocr: it runs Tesseract: the modules and tests in OCR below. Every run checks this list: a
  `tesseract` on PATH that counts the pages it reads, and a line at the end of the run naming
  any test that read a page without the marker (each pytest-xdist worker counts its own pages);
- slow: among the slowest by `--durations` (see SLOW for the runs): the modules and tests there.
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
        "clerk_app/reading/test_reading_corpus.py",
        "clerk_app/reading/test_reading_corpus.py::test_a_stamped_page_is_read_and_its_stamp_found",
        "clerk_app/reading/test_reading_corpus.py::test_each_difficulty_is_read_exactly",
        "clerk_app/reading/test_reading_corpus.py::test_hoa_toc_hen_gio_keeps_its_date_and_time",
        "clerk_app/reading/test_reading_desk.py::test_a_born_digital_pdf_dropped_in_the_watched_folder_is_read_from_its_text",
        "clerk_app/reading/test_reading_desk.py::test_a_secret_page_dropped_in_the_watched_folder_is_refused_before_it_is_kept",
        "clerk_app/reading/test_reading_desk.py::test_page_one_of_an_imported_pdf_keeps_its_file_and_is_read_from_its_text",
        "clerk_app/reading/test_reading_extraction.py",
        "clerk_app/reading/test_reading_third_round.py",
        "clerk_app/reading/test_reading_fifth_round.py::test_no_urgency_is_never_sure_beside_a_coloured_stamp_that_could_not_be_read",
        "clerk_app/reading/test_reading_speed.py::test_an_urgency_frame_is_read_once_and_a_stamp_still_both_ways",
        "clerk_app/reading/test_secrecy.py::test_a_stamp_at_any_angle_red_or_black_is_read",
        "clerk_app/reading/test_secrecy.py::test_a_stamped_scan_is_refused_and_nothing_is_stored",
        "clerk_app/reading/test_secrecy.py::test_urgency_box_seal_and_note_are_not_secrecy_marks",
        "clerk_app/reading/test_text_layer.py::test_a_scanned_pdf_has_no_text_layer_and_is_read_by_ocr",
        "scanner/test_scanner_watch.py::test_finished_files_are_read_and_moved_to_done",
        "scanner/test_scanner_pages.py::test_bilevel_300_dpi_page_is_g4_small_and_searchable",
        "scanner/test_scanner_pages.py::test_clerk_extract_json",
        "scanner/test_scanner_pages.py::test_ocr_progress_counts_pages_across_chunks",
        # Turning an upside-down page and the compact PDF/A ask Tesseract (orientation, text).
        "scanner/test_scanner_pages.py::test_upside_down_page_is_turned_and_blank_page_kept",
        "scanner/test_scanner_pages.py::test_a_scanned_page_is_measured_not_turned_when_it_joins_the_batch",
        "scanner/test_scanner_pages.py::test_measuring_a_page_finds_what_cleaning_it_does",
        "scanner/test_scanner_pages.py::test_compact_pdf_is_pdfa_2b_and_keeps_its_size",
        "scanner/test_scanner_separator.py::test_batch_is_split_at_scanned_qr_separators",
        "scanner/test_scanner_separator.py::test_clerk_separator_sheet_prints_sheets_that_split_a_batch",
        # The batch screen and the watched folder read each arriving document in the background.
        "ui/test_scan_batch_screen.py",
        "ui/test_watch_panel.py::test_dropped_scan_waits_prefilled_and_leaves_the_list_once_registered",
        # The scan window reads each document's first page in the background as it arrives.
        "ui/test_scan_loop.py::test_ten_pages_three_documents_registered_by_keyboard_none_twice",
        "ui/test_scan_loop.py::test_closing_with_pages_left_asks_and_the_batch_comes_back",
        "ui/test_scan_loop.py::test_esc_on_a_typed_form_asks",
        "ui/test_scan_loop.py::test_a_batch_killed_mid_typing_comes_back_with_the_typing",
        "ui/test_scan_to_registration.py::test_scanned_letter_opens_a_prefilled_form_and_registers",
    }
)

# From `--durations` (2026-12-07, this machine shared by other sessions): the tests of 3 s or
# more in a whole run at load 13-15, and those of 9 s or more in the fast subset's first run at
# load 18. The core's registering, numbering and storage tests stay in the fast subset
# whatever they take (the concurrent-numbering one is its only test of several processes).
SLOW = frozenset(
    {
        "clerk_app/instructions/test_handover_and_tasks.py::test_pending_paper_handed_over_together_and_signed_with_the_slip_scan",
        "clerk_app/instructions/test_instruction_cli.py::test_handover_and_tasks_commands",
        "clerk_app/instructions/test_instruction_cli.py::test_instruct_and_due",
        "clerk_app/instructions/test_time_limits.py::test_due_json_carries_rule_and_flags",
        "clerk_app/interchange/test_interchange_cli.py::test_read_bad_files",
        "clerk_app/printing/test_handover_log.py",
        "clerk_app/printing/test_printing_cli.py::test_print_register_writes_the_pdf_and_reports_its_pages",
        "clerk_app/printing/test_register_pdf.py::test_a_long_list_of_cancelled_numbers_keeps_the_registers_rules",
        "clerk_app/printing/test_register_pdf.py::test_every_entry_of_the_period_is_printed_exactly_once",
        "clerk_app/reading/test_ocr_library.py",
        "clerk_app/reading/test_photo.py::test_the_page_corners_of_a_photo_are_found",
        "clerk_app/reading/test_reading_corpus.py::test_the_held_out_parts_are_other_pages_than_the_tuned_one",
        "clerk_app/reading/test_reading_extraction.py::test_harder_layouts_are_read_exactly",
        "clerk_app/signing/test_agency_identity.py::test_a_second_agency_seal_is_refused",
        "clerk_app/signing/test_agency_signature.py::test_number_and_date_on_the_leader_signed_pdf_as_signature_appearances",
        "clerk_app/signing/test_scan_copy.py::test_scan_copy_carries_its_visible_copy_mark_over_the_stamped_version",
        "clerk_app/signing/test_signing_cli.py::test_number_sign_and_verify_a_leader_signed_document",
        "clerk_app/stamping/test_arrival_qr.py::test_qr_code_is_drawn_module_for_module_in_the_top_right_of_the_stamp",
        "clerk_app/test_cli.py::test_bad_input_is_one_vietnamese_line",
        "clerk_app/test_cli.py::test_console_script_and_module_entry_point",
        "clerk_app/test_cli.py::test_output_is_utf8_even_when_the_locale_is_a_windows_code_page",
        "clerk_app/test_demo.py::test_demo_builds_a_consistent_desk",
        "scanner/test_scanner_discovery.py::test_second_discovery_comes_from_the_cache_and_refresh_probes_again",
        "scanner/test_scanner_pages.py::test_a_200_page_batch_is_written_a_few_pages_at_a_time",
        "scanner/test_scanner_pages.py::test_bilevel_300_dpi_page_is_g4_small_and_searchable",
        "scanner/test_scanner_pages.py::test_blank_sheet_is_flagged_and_text_page_is_not",
        "scanner/test_scanner_pages.py::test_clerk_extract_json",
        "scanner/test_scanner_pages.py::test_compact_pdf_is_pdfa_2b_and_keeps_its_size",
        "scanner/test_scanner_pages.py::test_encoding_follows_the_page",
        "scanner/test_scanner_pages.py::test_grey_200_dpi_page_is_jpeg_under_400_kib",
        "scanner/test_scanner_pages.py::test_ocr_progress_counts_pages_across_chunks",
        # Turning an upside-down page and the compact PDF/A ask Tesseract (orientation, text).
        "scanner/test_scanner_pages.py::test_upside_down_page_is_turned_and_blank_page_kept",
        "scanner/test_scanner_separator.py::test_batch_is_split_at_scanned_qr_separators",
        "scanner/test_scanner_separator.py::test_clerk_separator_sheet_prints_sheets_that_split_a_batch",
        # The batch screen and the watched folder read each arriving document in the background.
        "ui/test_scan_batch_screen.py",
        "ui/test_watch_panel.py::test_dropped_scan_waits_prefilled_and_leaves_the_list_once_registered",
        "scanner/test_scanner_pages.py::test_skew_is_measured_within_a_few_tenths_of_a_degree",
        "scanner/test_scanner_sane.py::test_cancel_keeps_the_pages_already_scanned",
        "scanner/test_scanner_sane.py::test_discovery_lists_the_test_device",
        "scanner/test_scanner_separator.py::test_a_page_with_another_qr_code_is_not_a_separator",
        "scanner/test_scanner_watch.py::test_corrupt_and_unsupported_files_are_refused_with_a_reason",
        "scanner/test_scanner_watch.py::test_finished_files_are_read_and_moved_to_done",
        "sync/server/test_accounts.py",
        "sync/server/test_desk_credentials.py",
        "sync/server/test_fuzz.py",
        "sync/server/test_http.py",
        "sync/server/test_login_http.py",
        "sync/server/test_mutation_checks.py",
        "sync/test_clock_faults.py::test_a_year_that_ends_during_an_outage",
        "sync/test_clock_faults.py::test_desk_with_a_wrong_clock_is_told_and_its_records_flagged",
        "sync/test_delivery.py::test_a_package_from_a_file_enters_the_inbox_once_and_registers_without_a_server",
        "sync/test_desk_views.py",
        "sync/test_engine.py",
        "sync/test_enrolment.py",
        "sync/test_fault_campaign.py",  # kill campaigns: 14 s a test at load 4 (2026-12-07 06:40)
        "sync/test_faults.py",
        # Seven `clerk` processes in a row: 18 s at load 4 (2026-12-07 06:40); the module's
        # other tests (the status table, the dates sent) stay in the fast subset.
        "sync/test_exchange_progress.py::test_a_revoke_from_a_file_takes_the_item_back_unless_registered",
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
    }
)

TESTS_DIR = Path(__file__).resolve().parent
_PAGE_COUNT = "CLERK_TEST_TESSERACT_COUNT"


def _where(item: pytest.Item) -> tuple[str, str]:
    """The item's module under tests/ and that module with the test's name (no parameters)."""
    path = item.path.resolve()
    # A module outside tests/ (tests/test_marking.py runs pytest on one) keeps its whole path.
    module = (path.relative_to(TESTS_DIR) if path.is_relative_to(TESTS_DIR) else path).as_posix()
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
#
# Each process that runs tests (pytest itself, or each pytest-xdist worker under `-n`) counts in
# a file of its own, so a page read by one worker's test is never put on the other's. What a test
# read travels on its teardown report (user_properties), which xdist hands back to the process
# that prints the summary: one code path with or without workers.

_REAL = "CLERK_TEST_TESSERACT_REAL"
_READ_PAGES = "tesseract pages read without the ocr marker"
_folder_key = pytest.StashKey[Path]()
_before_key = pytest.StashKey[int]()


def _count_tesseract_pages(config: pytest.Config) -> None:
    """Put a `tesseract` in front of the real one that appends a line to a file per page read
    (not for --list-langs or --version), in this process and the children it starts."""
    worker = hasattr(
        config, "workerinput"
    )  # an xdist worker: the controller's count is not its own
    if os.environ.get(_PAGE_COUNT) and not worker:
        return  # a pytest run by a test: the outer run counts
    real = os.environ.get(_REAL) or shutil.which("tesseract")
    if real is None:
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
    os.environ[_REAL] = real
    config.stash[_folder_key] = folder


def _pages_counted(config: pytest.Config) -> int | None:
    """The pages this process's tests have read so far, or None when it does not count."""
    folder = config.stash.get(_folder_key, None)
    return None if folder is None else os.path.getsize(folder / "pages")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    before = _pages_counted(item.config)
    if before is not None:
        item.stash[_before_key] = before
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if call.when != "teardown" or item.get_closest_marker("ocr") is not None:
        return
    before = item.stash.get(_before_key, None)
    after = _pages_counted(item.config)
    if before is not None and after is not None and after > before:
        outcome.get_result().user_properties.append((_READ_PAGES, True))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Runs where the summary is printed too (xdist replays its workers' reports there)."""
    # A worker's report arrives serialised: its (name, value) pairs may come back as lists.
    read = any(tuple(prop) == (_READ_PAGES, True) for prop in report.user_properties)
    if report.when == "teardown" and read:
        _unmarked.append(report.nodeid)


# The list lives at module level: pytest_runtest_logreport gets no config. One process runs one
# session, so this is that session's list.
_unmarked: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _unmarked:
        terminalreporter.section("tests that ran Tesseract without the ocr marker")
        terminalreporter.line("Add them to OCR in tests/marking.py:")
        for nodeid in _unmarked:
            terminalreporter.line(f"  {nodeid}")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_folder_key, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
