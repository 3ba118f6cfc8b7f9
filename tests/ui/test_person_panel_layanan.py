"""Issue 21 on a person's page (Penerima Layanan): the answer to an outgoing referral is recorded
from the person's history — with the same service rule as the Rujukan tab — and a reunification's
Berita Acara Serah Terima is printed with its witnesses (saksi), entered in the dialog."""

from __future__ import annotations

import subprocess
from datetime import date

from PySide6.QtTest import QTest

from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.events import EventDraft, record_event, record_event_in
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.ui.dialogs.layanan import HandoverLetterDialog, LetterFileDialog, ReferralFeedbackDialog
from spm_desktop.ui.person_panel import PersonPanel

KEL = "61.71.01.1002"
REFERRAL, REUNIFICATION = "1.06.04.2.01.0012", "1.06.04.2.01.0004"


def _panel(ctx, qtbot, wait_runner, person_id):
    panel = PersonPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    panel.show_person(person_id)
    wait_runner()
    return panel


def _choose(panel, qtbot, event_id):
    row = next(i for i in range(panel.history.rowCount()) if panel.history.record(i).event_id == event_id)
    panel.history_view.selectRow(row)
    qtbot.waitUntil(lambda: panel.chosen_entry() is not None and panel.chosen_entry().event_id == event_id)


def _drive(monkeypatch, qtbot, dialog_class, fill):
    """Stand in for the modal ``exec``: show the real dialog, fill it as a clerk would, press
    Simpan, wait for the service's answer."""
    seen = []

    def exec_(dialog):
        seen.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        qtbot.waitUntil(lambda: dialog.result_value is not None or dialog.message.text().startswith(("Isi", "Tanggal"))
                        and dialog.buttons.isEnabled(), timeout=10_000)
        return 1 if dialog.result_value is not None else 0

    monkeypatch.setattr(dialog_class, "exec", exec_)
    return seen


def test_referral_feedback_from_the_persons_history(ctx, qtbot, wait_runner, monkeypatch):
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Pak Darto", sex="L", birth_year=1948,
                                                            kelurahan_code=KEL), confirm_duplicates_ok=True)
    sent = rs.send_referral(ctx.db, ctx.actor, rs.OutgoingInput(person.id, date(2026, 11, 2), "RSUD dr. Soedarso"))
    # A referral event without its tracking row (recorded before issue 21, or from an events file).
    with ctx.db.transaction(ctx.actor) as s:
        plain = record_event_in(s, ctx.actor, EventDraft(person_id=person.id, service_code=REFERRAL,
                                                         event_date=date(2026, 11, 3),
                                                         details={"destination": "Puskesmas"})).id
    meal = record_event(ctx.db, ctx.actor, EventDraft(person_id=person.id, service_code="1.06.04.2.01.0001",
                                                      event_date=date(2026, 11, 4), details={"meals_per_day": 3})).id
    panel = _panel(ctx, qtbot, wait_runner, person.id)
    assert not panel.feedback_button.isEnabled() and not panel.handover_button.isEnabled()
    _choose(panel, qtbot, meal)
    assert not panel.feedback_button.isEnabled()
    _choose(panel, qtbot, sent.event_id)
    assert panel.feedback_button.isEnabled() and not panel.handover_button.isEnabled()

    def answer(status, day, note, choices):
        def fill(dialog):
            assert [dialog.status.itemData(i) for i in range(dialog.status.count())] == choices
            dialog.status.setCurrentIndex(dialog.status.findData(status))
            dialog.feedback_date.set_value(day)
            dialog.notes.clear()
            QTest.keyClicks(dialog.notes, note)
        return fill

    sent_choices, answered_choices = ["diterima", "selesai", "ditolak"], ["selesai", "ditolak"]
    _drive(monkeypatch, qtbot, ReferralFeedbackDialog,
           answer("diterima", date(2026, 11, 6), "Dirawat inap", sent_choices))
    panel.feedback_button.click()
    qtbot.waitUntil(lambda: "Diterima, umpan balik 06/11/2026" in panel.message.text(), timeout=10_000)
    wait_runner()
    info = rs.referral_of_event(ctx.db, ctx.actor, sent.event_id)
    assert (info.status, info.feedback_date, info.notes) == ("diterima", date(2026, 11, 6), "Dirawat inap")
    assert any(t.event_id == sent.event_id and "umpan balik 06/11/2026" in t.detail for t in panel.data.history)
    _choose(panel, qtbot, sent.event_id)
    _drive(monkeypatch, qtbot, ReferralFeedbackDialog, answer("selesai", date(2026, 11, 9), "Pulang", answered_choices))
    panel.feedback_button.click()
    qtbot.waitUntil(lambda: "Selesai" in panel.message.text(), timeout=10_000)
    wait_runner()
    assert rs.referral_of_event(ctx.db, ctx.actor, sent.event_id).status == "selesai"
    # The untracked event gets its tracking row with the answer, in one step.
    assert rs.referral_of_event(ctx.db, ctx.actor, plain) is None
    _choose(panel, qtbot, plain)
    _drive(monkeypatch, qtbot, ReferralFeedbackDialog, answer("diterima", date(2026, 11, 5), "Diperiksa", sent_choices))
    panel.feedback_button.click()
    qtbot.waitUntil(lambda: "Puskesmas: Diterima" in panel.message.text(), timeout=10_000)
    wait_runner()
    tracked = rs.referral_of_event(ctx.db, ctx.actor, plain)
    assert (tracked.status, tracked.feedback_date, tracked.destination) == ("diterima", date(2026, 11, 5), "Puskesmas")
    # The same rule as the Rujukan tab: a feedback date before the referral is refused in the dialog.
    _choose(panel, qtbot, plain)
    seen = _drive(monkeypatch, qtbot, ReferralFeedbackDialog,
                  answer("selesai", date(2026, 11, 1), "x", answered_choices))
    panel.feedback_button.click()
    qtbot.waitUntil(lambda: bool(seen) and "sebelum tanggal rujukan" in seen[-1].message.text(), timeout=10_000)
    assert rs.referral_of_event(ctx.db, ctx.actor, plain).status == "diterima"
    wait_runner()


def test_berita_acara_with_witnesses_from_the_persons_history(ctx, qtbot, wait_runner, monkeypatch, tmp_path):
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Rudi Hartono", sex="L", birth_year=1990,
                                                            kelurahan_code=KEL), confirm_duplicates_ok=True)
    handover = record_event(ctx.db, ctx.actor, EventDraft(
        person_id=person.id, service_code=REUNIFICATION, event_date=date(2026, 11, 10),
        details={"family_name": "Sulastri (ibu)", "family_address": "Jl. Tanjung Raya 2",
                 "handover_date": "2026-11-10"},
    )).id
    panel = _panel(ctx, qtbot, wait_runner, person.id)
    _choose(panel, qtbot, handover)
    assert panel.handover_button.isEnabled() and not panel.feedback_button.isEnabled()
    target = tmp_path / "bast.pdf"
    monkeypatch.setattr(LetterFileDialog, "ask", classmethod(lambda cls, parent, suggested: target))

    def none(dialog):
        assert all(f.isEnabled() and not f.text() for f in dialog.witnesses)

    seen = _drive(monkeypatch, qtbot, HandoverLetterDialog, none)
    panel.handover_button.click()
    qtbot.waitUntil(lambda: bool(seen) and "saksi" in seen[-1].message.text(), timeout=10_000)
    assert not target.exists()  # no witness: nothing printed

    def two(dialog):
        QTest.keyClicks(dialog.witnesses[0], "Hendra, Lurah Tanjung Hulu")
        QTest.keyClicks(dialog.witnesses[1], "Bu Yati, Ketua RT 03")
        dialog.letter_date.set_value(date(2026, 11, 10))

    _drive(monkeypatch, qtbot, HandoverLetterDialog, two)
    panel.handover_button.click()
    qtbot.waitUntil(lambda: "400.9/1/Dinsos-BAST/2026" in panel.message.text(), timeout=10_000)
    wait_runner()
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Hendra, Lurah Tanjung Hulu; Bu Yati, Ketua RT 03" in " ".join(text.split())
    assert "Saksi 1" in text and "Saksi 2" in text and "Sulastri (ibu)" in text
    # Printing again gives the same letter: the dialog shows its witnesses, locked.
    first = target.read_bytes()

    def again(dialog):
        assert [f.text() for f in dialog.witnesses] == ["Hendra, Lurah Tanjung Hulu", "Bu Yati, Ketua RT 03", ""]
        assert not any(f.isEnabled() for f in dialog.witnesses)
        assert "400.9/1/Dinsos-BAST/2026" in dialog.message.text()

    _drive(monkeypatch, qtbot, HandoverLetterDialog, again)
    target.unlink()
    panel._say("")
    panel.handover_button.click()
    qtbot.waitUntil(lambda: "400.9/1/Dinsos-BAST/2026" in panel.message.text(), timeout=10_000)
    wait_runner()
    assert target.is_file()
    assert "400.9/1/Dinsos-BAST/2026" in subprocess.run(["pdftotext", str(target), "-"], capture_output=True,
                                                         text=True, check=True).stdout
    assert len(first) > 1000
