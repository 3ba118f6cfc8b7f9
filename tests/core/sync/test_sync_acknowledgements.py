"""Nothing is lost when a package is refused (issue 17): the sender's bookmark for a peer moves
only when the peer acknowledges; the acknowledgement or the refusal reasons come back in the
peer's next package; a corrected package carries the same changes again."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sync_helpers import ADMIN

from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.storage.models import Person, SyncPeer
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import open_refusals, package_history
from spm_desktop.core.sync.importer import import_package
from spm_desktop.core.sync.validation import PackageInvalid

BARAT = "61.71.03.1001"
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"


def person(db, name, nik=None):
    with db.transaction(ADMIN) as s:
        p = Person(name=name, sex="L", nik=nik, kelurahan_code=BARAT)
        s.add(p)
        s.flush()
        return p.id


def send(src, dst, tmp_path, peer, name):
    path = tmp_path / f"{name}.spmsync"
    result = export_package(src, ADMIN, path, peer_name=peer, check=False)  # crafted packages: not pre-flighted
    return path, result


def outgoing(db):
    return [p for p in package_history(db) if p.direction == "out"]


def test_a_refused_package_is_answered_and_its_changes_travel_again(office, tksk, tmp_path):
    good = person(tksk, "Siti Aminah")
    bad = person(tksk, "Budi", nik="12")  # a NIK the office refuses
    first, sent = send(tksk, office, tmp_path, OFFICE, "first")
    assert sent.counts["person"] == 2
    with pytest.raises(PackageInvalid):
        import_package(office, ADMIN, first)
    assert open_refusals(tksk) == []  # the laptop does not know yet

    # The office's next package carries the refusal and its reasons back.
    answer, _ = send(office, tksk, tmp_path, LAPTOP, "answer")
    import_package(tksk, ADMIN, answer)
    [refused] = open_refusals(tksk)
    assert (refused.file_name, refused.status, refused.status_label) == ("first.spmsync", "refused", "DITOLAK mitra")
    assert [(t, r, f) for t, r, f, _reason in refused.reasons] == [("person", bad, "nik")]
    assert any("NIK" in line for line in refused.reason_lines())

    # Corrected on the laptop: the next package carries the same changes again, both persons.
    with tksk.transaction(ADMIN) as s:
        s.get(Person, bad).nik = make_nik("617103", date(1990, 1, 1), "L", 7)
    second, sent = send(tksk, office, tmp_path, OFFICE, "second")
    assert sent.counts["person"] == 2
    assert import_package(office, ADMIN, second).new == 2
    with office.reading() as s:
        assert set(s.scalars(select(Person.id))) == {good, bad}

    # Acknowledged in the office's next package: the refusal is settled, the bookmark moves.
    answer2, _ = send(office, tksk, tmp_path, LAPTOP, "answer2")
    import_package(tksk, ADMIN, answer2)
    assert open_refusals(tksk) == []
    statuses = {p.file_name: p.status for p in outgoing(tksk)}
    assert statuses == {"first.spmsync": "refused", "second.spmsync": "acknowledged"}
    _, third = send(tksk, office, tmp_path, OFFICE, "third")
    assert third.counts.get("person", 0) == 0


def test_a_package_never_imported_is_not_acknowledged(office, tksk, tmp_path):
    person(tksk, "Siti Aminah")
    send(tksk, office, tmp_path, OFFICE, "lost")  # the flash disk was lost
    _, again = send(tksk, office, tmp_path, OFFICE, "again")
    assert again.counts["person"] == 1
    with tksk.reading() as s:
        peer = s.scalars(select(SyncPeer).where(SyncPeer.name == OFFICE)).one()
        assert peer.acked_seq == 0 and peer.last_sent_seq > 0
    assert {p.status_label for p in outgoing(tksk)} == {"terkirim, belum dijawab"}


def test_an_acknowledgement_cannot_claim_more_than_was_sent(office, tksk, tmp_path):
    """A peer that says it applied changes this database never sent does not move the bookmark
    past what was sent (a newer change made here afterwards still travels)."""
    from spm_desktop.core.sync import exporter, payload

    person(office, "Siti Aminah")
    path, _ = send(office, tksk, tmp_path, LAPTOP, "one")
    import_package(tksk, ADMIN, path)
    real = exporter.answers_for

    def boasting(session, peer):
        ack = real(session, peer)
        return payload.Ack(ack.applied_until + 10_000, ack.answers)

    exporter.answers_for = boasting
    try:
        back, _ = send(tksk, office, tmp_path, OFFICE, "back")
    finally:
        exporter.answers_for = real
    import_package(office, ADMIN, back)
    with office.reading() as s:
        peer = s.scalars(select(SyncPeer).where(SyncPeer.name == LAPTOP)).one()
        assert peer.acked_seq == peer.last_sent_seq
    person(office, "Baru")
    _, next_one = send(office, tksk, tmp_path, LAPTOP, "next")
    assert next_one.counts["person"] == 1
