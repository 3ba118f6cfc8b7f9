"""``spm-desktop --self-test`` through the CLI: passes without a display, touches neither the
data folder nor ``SPM_DATABASE_URL``, reports in Indonesian, exit 1 when a check fails."""

from __future__ import annotations

import os
import subprocess
import sys

from spm_desktop import cli, selftest


def test_self_test_passes_without_display_and_leaves_user_data_alone(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["SPM_DATA_DIR"] = str(data)
    # A server that does not exist: the self-test must not even try it.
    env["SPM_DATABASE_URL"] = "postgresql+psycopg://nobody:x@127.0.0.1:1/nothing"
    run = subprocess.run([sys.executable, "-m", "spm_desktop", "--self-test"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Uji mandiri SPM Desktop ")
    ok = [line for line in lines if line.startswith("[OK   ]")]
    assert [line.split("]")[1].split(":")[0].strip() for line in ok] == [
        "Pustaka aplikasi", "Migrasi basis data", "Data contoh", "Rekap SPM", "Rekap PDF", "Lembar kerja e-SPM"]
    assert f"Data contoh: {selftest.DEMO_PERSONS} orang, {selftest.DEMO_EVENTS} catatan layanan" in run.stdout
    assert "Rekap SPM: Juni 2026:" in run.stdout
    assert "Lembar kerja e-SPM: Triwulan II 2026: 7 lembar" in run.stdout
    assert lines[-1] == "Uji mandiri BERHASIL: 6 dari 6 pemeriksaan lulus."
    assert list(data.iterdir()) == []


def test_self_test_reports_a_failed_check_and_exits_1(monkeypatch, capsys):
    def broken(folder, state):
        raise selftest._Failed("berkas tidak diawali %PDF")

    monkeypatch.setattr(selftest, "_check_pdf", broken)
    # In this process pytest-qt owns the Qt application; the Qt check runs in the test above.
    monkeypatch.setattr(selftest, "_check_libraries", lambda folder, state: "dilewati")
    assert cli.main(["--self-test"]) == 1
    out = capsys.readouterr().out
    assert "[GAGAL] Rekap PDF: berkas tidak diawali %PDF" in out
    assert "Lembar kerja e-SPM" not in out  # stops at the first failure
    assert out.splitlines()[-1] == "Uji mandiri GAGAL: 4 dari 5 pemeriksaan lulus."


def test_self_test_can_keep_its_folder_for_inspection(tmp_path, monkeypatch):
    monkeypatch.setattr(selftest, "_check_libraries", lambda folder, state: "dilewati")
    monkeypatch.setattr(selftest, "_check_rollup", lambda folder, state: "dilewati")
    monkeypatch.setattr(selftest, "_check_pdf", lambda folder, state: "dilewati")
    monkeypatch.setattr(selftest, "_check_workbook", lambda folder, state: "dilewati")
    report = selftest.run_self_test(keep_dir=tmp_path / "kept")
    assert report.ok and len(report.checks) == 6
    assert (tmp_path / "kept" / "spm.db").exists()


def test_self_test_with_a_subcommand_is_a_usage_error(capsys):
    try:
        cli.main(["--self-test", "check"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("expected a usage error")
    assert "--self-test tidak dipakai bersama perintah lain" in capsys.readouterr().err


def test_pdf_page_count_counts_page_objects_only():
    data = (b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n"
            b"3 0 obj <</Type/Page/Parent 1 0 R>>")
    assert selftest.pdf_page_count(data) == 2
