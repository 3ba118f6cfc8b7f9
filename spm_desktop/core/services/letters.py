"""The letters the office signs (issue 21), numbered per letter type and year.

* ``rujukan`` — Surat Rujukan for an outgoing referral (person, reason, needs, destination,
  contact);
* ``serah_terima`` — Berita Acara Serah Terima for a reunification event
  (1.06.04.2.01.0004: the person, the family member receiving them, witnesses);
* ``keterangan`` — Surat Keterangan answering a data request (a complaint).

Numbering: only the office's database numbers letters (a database that enrolled an
``office`` peer is a laptop: it prints drafts without a number). The number is the setting
``surat.nomor_<kind>`` with ``{n}`` = the next sequence of that kind and year — the largest
issued so far, voided letters included, plus one — so a voided number is never issued again.
``letter (kind, year, seq)`` is unique, and every write transaction on PostgreSQL holds the
database's writer lock, so two seats never issue the same number. Printing a record's letter
again gives the same letter (the stored content, number and date) until it is voided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import NotFoundError, ValidationError
from spm_desktop.core.domain.groups import SEXES
from spm_desktop.core.domain.layanan import CATEGORIES, LETTER_KINDS, REFERRAL_CODE
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.settings import AppSettings, load_settings
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    Complaint,
    Letter,
    Person,
    Referral,
    Region,
    ServiceEvent,
    ServiceType,
    SyncPeer,
)
from spm_desktop.core.storage.records import live

REUNIFICATION_CODE = "1.06.04.2.01.0004"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass(frozen=True)
class LetterInfo:
    id: str
    kind: str
    record_id: str
    number: str  # "" for a draft
    letter_date: date
    voided: bool
    path: str = ""

    @property
    def draft(self) -> bool:
        return not self.number


def is_office_database(s: Session) -> bool:
    """This database is the office's unless it enrolled an ``office`` peer (a laptop does)."""
    return s.scalar(select(func.count()).select_from(SyncPeer).where(
        SyncPeer.role == "office", SyncPeer.revoked_at.is_(None))) == 0


def _today(s: Session) -> date:
    clock = s.info.get("clock")
    return (clock() if clock else utcnow()).date()


def _person_fields(s: Session, p: Person) -> list[tuple[str, str]]:
    kel = s.get(Region, p.kelurahan_code) if p.kelurahan_code else None
    born = short_date(p.birth_date) if p.birth_date else (f"perkiraan tahun {p.birth_year}" if p.birth_year
                                                                   else "tidak diketahui")
    place = ", ".join(x for x in (p.address, kel.name if kel else "") if x)
    return [("Nama", p.name), ("NIK", p.nik or "belum diketahui"), ("Jenis kelamin", SEXES.get(p.sex, p.sex)),
            ("Tempat/tanggal lahir", ", ".join(x for x in (p.birth_place, born) if x)), ("Alamat", place)]


def _signatory(st: AppSettings) -> dict[str, str]:
    return {"role": st.signatory_title or "Kepala Dinas Sosial", "name": st.signatory_name, "nip": st.signatory_nip}


def _content_rujukan(s: Session, st: AppSettings, record_id: str) -> dict[str, Any]:
    r = live(s, Referral, record_id)
    if r is None or r.direction != "keluar":
        raise NotFoundError("Rujukan keluar tidak ditemukan.", "record_id")
    p = s.get(Person, r.person_id)
    needs: list[str] = []
    if r.case_id:
        needs = list(s.scalars(select(ServiceType.name).join(CaseNeed, CaseNeed.service_code == ServiceType.code)
                               .where(CaseNeed.case_id == r.case_id, CaseNeed.deleted_at.is_(None))
                               .order_by(ServiceType.sort_order)))
    return {
        "title": LETTER_KINDS["rujukan"],
        "before": [f"Kepada Yth. Pimpinan {r.destination}", "di tempat",
                   f"Dengan hormat, {st.office_name} merujuk penerima layanan berikut:"],
        "fields": [*_person_fields(s, p), ("Tanggal rujukan", short_date(r.referral_date)),
                   ("Alasan rujukan", r.reason), ("Kebutuhan", "; ".join(needs)), ("Tujuan", r.destination),
                   ("Kontak petugas", r.contact)],
        "after": ["Mohon kiranya dapat diberikan layanan sesuai kebutuhannya dan kami mohon umpan balik atas rujukan "
                  "ini. Atas perhatian dan kerja samanya kami ucapkan terima kasih."],
        "signatures": [_signatory(st)],
    }


def _content_serah_terima(s: Session, st: AppSettings, record_id: str, witnesses: tuple[str, ...]) -> dict[str, Any]:
    e = live(s, ServiceEvent, record_id)
    if e is None or e.service_code != REUNIFICATION_CODE:
        raise NotFoundError("Layanan reunifikasi keluarga (1.06.04.2.01.0004) tidak ditemukan.", "record_id")
    p = s.get(Person, e.person_id)
    d = e.details or {}
    family = str(d.get("family_name") or "")
    if not family:
        raise ValidationError("Isi dulu \"Keluarga yang dituju\" pada layanan reunifikasi ini.", "family_name")
    handover = str(d.get("handover_date") or e.event_date.isoformat())
    sigs = [{"role": "Yang menerima (keluarga)", "name": family},
            {"role": f"Yang menyerahkan, {st.office_name}", "name": e.officer}]
    sigs += [{"role": f"Saksi {i}", "name": w} for i, w in enumerate(witnesses, start=1)]
    return {
        "title": LETTER_KINDS["serah_terima"],
        "before": [f"Pada tanggal {short_date(date.fromisoformat(handover))} telah dilakukan serah terima "
                   f"penerima layanan dari {st.office_name} kepada keluarganya, dengan data sebagai berikut:"],
        "fields": [*_person_fields(s, p), ("Diterima oleh", family), ("Alamat keluarga", str(d.get("family_address")
                                                                                              or "")),
                   ("Saksi", "; ".join(witnesses))],
        "after": ["Dengan serah terima ini, penerima layanan kembali dalam pengasuhan keluarga. Berita acara ini "
                  "dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."],
        "signatures": sigs,
    }


def _content_keterangan(s: Session, st: AppSettings, record_id: str) -> dict[str, Any]:
    c = live(s, Complaint, record_id)
    if c is None:
        raise NotFoundError("Pengaduan atau permohonan data tidak ditemukan.", "record_id")
    fields = [("Pemohon", "Anonim" if c.anonymous else c.reporter_name), ("Keperluan", c.description),
              ("Kategori", CATEGORIES.get(c.category, c.category))]
    about = ["Yang bertanda tangan di bawah ini menerangkan, menanggapi permohonan tertanggal "
             f"{short_date(c.received_at)}, bahwa:"]
    if c.person_id:
        p = s.get(Person, c.person_id)
        fields = [*_person_fields(s, p), *fields]
        cases = s.scalar(select(func.count()).select_from(Case).where(Case.person_id == p.id,
                                                                      Case.deleted_at.is_(None))) or 0
        about.append(f"orang tersebut di bawah ini tercatat sebagai penerima layanan pada {st.office_name}"
                     f"{f' dengan {cases} kasus' if cases else ''}.")
    return {
        "title": LETTER_KINDS["keterangan"],
        "before": about,
        "fields": fields,
        "after": ["Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."],
        "signatures": [_signatory(st)],
    }


def kind_of_record(s: Session, record_id: str) -> str:
    """Which letter a record takes (a referral, a reunification event, a complaint)."""
    if s.get(Referral, record_id) is not None:
        return "rujukan"
    if s.get(Complaint, record_id) is not None:
        return "keterangan"
    e = s.get(ServiceEvent, record_id)
    if e is not None and e.service_code == REUNIFICATION_CODE:
        return "serah_terima"
    if e is not None and e.service_code == REFERRAL_CODE:  # an outgoing referral, tracked or not yet
        return "rujukan"
    raise NotFoundError("Tidak ada surat untuk data ini (rujukan keluar, reunifikasi, atau pengaduan).", "record_id")


def _info(letter: Letter, path: str = "") -> LetterInfo:
    return LetterInfo(letter.id, letter.kind, letter.record_id, letter.number or "", letter.letter_date,
                      letter.voided_at is not None, path)


def _check_scope(s: Session, actor: Actor, kind: str, record_id: str) -> None:
    """A restricted role prints the letters of the records it may handle."""
    from spm_desktop.core.security.links import check_event
    from spm_desktop.core.security.scope import check_region_scope
    from spm_desktop.core.services import referrals as rs

    if kind == "rujukan":
        r = s.get(Referral, record_id)
        if r is not None:
            rs.check_scope(s, actor, r)
    elif kind == "keterangan":
        c = s.get(Complaint, record_id)
        if c is not None:
            check_region_scope(actor, c.kelurahan_code, "mencetak surat")
    else:
        e = s.get(ServiceEvent, record_id)
        if e is not None:
            check_event(s, actor, e)


def _issue(s: Session, actor: Actor, kind: str, record_id: str, on: date, witnesses: tuple[str, ...]) -> Letter:
    st = load_settings(s)
    if kind == "rujukan":
        content = _content_rujukan(s, st, record_id)
    elif kind == "serah_terima":
        content = _content_serah_terima(s, st, record_id, witnesses)
    else:
        content = _content_keterangan(s, st, record_id)
    letter = Letter(kind=kind, record_id=record_id, year=on.year, letter_date=on,
                    created_by=actor.username)
    if is_office_database(s):
        last = s.scalar(select(func.max(Letter.seq)).where(Letter.kind == kind, Letter.year == on.year)) or 0
        letter.seq = last + 1
        letter.number = st.letter_format(kind).format(n=letter.seq, tahun=on.year, bulan=ROMAN[on.month - 1])
    content.update(number=letter.number, date=on.isoformat())
    letter.content = content
    s.add(letter)
    s.flush()
    audit.record(s, "create", "letter", letter.id, after={
        "kind": kind, "record_id": record_id, "number": letter.number, "date": on.isoformat()})
    return letter


def _tracking_of(s: Session, actor: Actor, event_id: str) -> str:
    """The tracking row's id of a referral event (made, status dikirim, when it has none: an
    untracked event is an outgoing referral like any other, issue 22); else ``event_id``."""
    from spm_desktop.core.services.referral_tracking import track_event_in

    e = s.get(ServiceEvent, event_id)
    if e is None or e.deleted_at is not None or e.service_code != REFERRAL_CODE:
        return event_id
    return track_event_in(s, actor, event_id).id


def print_letter(db: Database, actor: Actor, record_id: str, out: str | Path, *, kind: str | None = None,
                 on: date | None = None, witnesses: tuple[str, ...] = ()) -> LetterInfo:
    """Write the letter of ``record_id`` (or a letter's own id) to ``out`` as PDF: the stored
    letter when one was issued and not voided (the same number, date and text), else a new
    one dated ``on`` (default today) with the next number — or a draft without a number on a
    laptop. Audited (a letter holds personal data)."""
    from spm_desktop.core.reports.letter_pdf import write_letter_pdf

    require(actor, "letter.print")
    target = Path(out)
    if target.suffix.lower() != ".pdf" or not target.parent.is_dir():
        raise ValidationError("Sebutkan berkas .pdf di folder yang ada.", "out")
    with db.transaction(actor) as s:
        own = s.get(Letter, record_id)
        if own is not None:
            letter = own
        else:
            kind = kind or kind_of_record(s, record_id)
            if kind == "rujukan" and s.get(Referral, record_id) is None:  # a referral event's id: its tracking's,
                record_id = _tracking_of(s, actor, record_id)  # made if the event has none yet
            if kind not in LETTER_KINDS:
                raise ValidationError(f"Jenis surat '{kind}' tidak dikenal; pilih: {', '.join(LETTER_KINDS)}.", "kind")
            letter = s.scalar(select(Letter).where(Letter.record_id == record_id, Letter.kind == kind,
                                                   Letter.voided_at.is_(None)).order_by(Letter.created_at.desc()))
            if letter is None:
                letter = _issue(s, actor, kind, record_id, on or _today(s), tuple(w.strip() for w in witnesses
                                                                                     if w.strip()))
        _check_scope(s, actor, letter.kind, letter.record_id)
        if letter.voided_at is not None:
            raise ValidationError(f"Surat {letter.number} sudah dibatalkan; cetak surat baru dari datanya.",
                                  "record_id")
        st = load_settings(s)
        audit.record(s, "export", "letter", letter.id, after={"number": letter.number, "file": target.name})
        content = dict(letter.content)
        info = _info(letter, str(target))
    write_letter_pdf(content, st, target)
    return info


def void_letter(db: Database, actor: Actor, letter_id: str, reason: str) -> LetterInfo:
    """Void a letter (its number is never issued again; the record's next print gets a new one)."""
    require(actor, "letter.void")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("Alasan pembatalan wajib diisi.", "reason")
    with db.transaction(actor) as s:
        letter = s.get(Letter, letter_id)
        if letter is None:
            raise NotFoundError("Surat tidak ditemukan.", "letter_id")
        if letter.voided_at is None:
            letter.voided_at, letter.void_reason = utcnow(), reason
            s.flush()
            audit.record(s, "update", "letter", letter.id, after={"number": letter.number, "voided": reason})
        return _info(letter)


def letters_of(db: Database, actor: Actor, record_id: str) -> list[LetterInfo]:
    require(actor, "person.view")
    with db.reading() as s:
        return [_info(x) for x in s.scalars(select(Letter).where(Letter.record_id == record_id)
                                            .order_by(Letter.created_at))]


def current_letter(db: Database, actor: Actor, record_id: str, kind: str) -> tuple[LetterInfo, tuple[str, ...]] | None:
    """The letter of ``kind`` a print of ``record_id`` would give again (issued, not voided),
    with the witnesses it names; None when none was issued yet."""
    require(actor, "person.view")
    with db.reading() as s:
        letter = s.scalar(select(Letter).where(Letter.record_id == record_id, Letter.kind == kind,
                                               Letter.voided_at.is_(None)).order_by(Letter.created_at.desc()))
        if letter is None:
            return None
        signatures = (letter.content or {}).get("signatures") or []
        witnesses = tuple(str(x.get("name") or "") for x in signatures
                          if str(x.get("role") or "").startswith("Saksi "))
        return _info(letter), witnesses


__all__ = ["LetterInfo", "print_letter", "current_letter", "void_letter", "letters_of", "is_office_database",
           "kind_of_record"]
