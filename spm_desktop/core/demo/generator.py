"""Realistic, deterministic demo data in bulk (``spm-desktop demo-data``).

Persons with Indonesian names and valid NIKs (mostly of the adopted area, some from elsewhere, some
without NIK and with an estimated age), cases with needs assessments at the shelters and the
TKSK, service events that mostly follow the needs with realistic gaps, over several years,
a few disasters with households, and the group activities of the participant-counted types
(family guidance sessions listing the PPKS whose families attended; Tagana activities of a
roster of volunteers) instead of individual events of those types. The same seed and end date give the same rows.

Rows are written with bulk INSERTs in batches (no ORM objects), inside one transaction.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update

import spm_desktop.core.clock as clock
from spm_desktop.core.demo import names
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ConflictError, ValidationError
from spm_desktop.core.domain.groups import ACTIVITY_RULES
from spm_desktop.core.domain.names import search_key
from spm_desktop.core.domain.nik import make_kk, make_nik
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage import catalogue, hlc
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    Disaster,
    GroupActivity,
    GroupActivityPerson,
    GroupActivityVolunteer,
    Household,
    HouseholdMember,
    LocalDevice,
    Person,
    Region,
    ServiceEvent,
    Volunteer,
)
from spm_desktop.core.storage.name_keys import refresh_name_keys
from spm_desktop.core.storage.summaries import bulk_inserts

BATCH = 20_000
YEARS_BACK = 3
DEMO_CHANGE_SEQ = 1  # every demo row carries it; the roll-up summaries are refreshed for it

# Share of persons per SPM group; the rest are "PMKS lainnya" or disaster victims.
GROUP_SHARES = (("disabilitas", 0.24), ("anak", 0.24), ("lansia", 0.22), ("gepeng", 0.20), ("lainnya", 0.05),
                ("bencana", 0.05))
CATEGORY_BY_GROUP = {
    "disabilitas": ("penyandang_disabilitas", "anak_kedisabilitasan"),
    "anak": ("anak_terlantar", "anak_jalanan", "anak_balita_terlantar"),
    "lansia": ("lansia_terlantar",),
    "gepeng": ("gelandangan", "pengemis"),
    "lainnya": ("pemulung", "korban_tindak_kekerasan", "korban_napza", "perempuan_rawan_sosial_ekonomi"),
    "bencana": ("korban_bencana_alam",),
}
DISABILITY_TYPES = ("Disabilitas fisik", "Disabilitas mental (ODGJ)", "Disabilitas intelektual",
                    "Disabilitas sensorik netra", "Disabilitas sensorik rungu wicara", "Disabilitas ganda")
UNITS = (("UPRS", 0.30), ("PLAT", 0.20), ("TKSK", 0.40), ("BIDANG", 0.10))
REFERRED = ("satpol_pp", "kepolisian", "masyarakat", "keluarga", "rumah_sakit", "penjangkauan", "lainnya")
EXIT_REASONS = ("reunifikasi", "rujukan", "pulang", "kabur", "meninggal", "lainnya")
OTHER_REGIONS = ("610101", "610401", "611201", "617201", "610301", "317101", "357801", "737101")
DISASTER_EVENT_CODES = ("1.06.06.2.01.0001", "1.06.06.2.01.0002", "1.06.06.2.01.0004", "1.06.06.2.01.0005")
ROSTER_SIZE = 62  # Tagana volunteers of the office (Renstra 2025)


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Master:
    kelurahan: list[tuple[str, str]]  # (kelurahan code, kecamatan code)
    assessable: list[str]
    details: dict[str, dict]
    activity_rules: dict[str, str] = field(default_factory=dict)  # group-activity code -> counting rule


def _weighted(rng: random.Random, pairs) -> str:
    x = rng.random()
    for value, share in pairs:
        x -= share
        if x <= 0:
            return value
    return pairs[-1][0]


class _Gen:
    def __init__(self, seed: int, until: date, device: str, master: _Master, taken_niks: set[str]) -> None:
        self.rng = random.Random(seed)
        self.until = until
        self.start = date(until.year - YEARS_BACK, 1, 1)
        self.device = device
        self.master = master
        self.niks = taken_niks
        self.stamp = datetime(until.year, until.month, until.day, 8, 0)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def sync_cols(self) -> dict:
        return dict(created_at=self.stamp, updated_at=self.stamp, updated_by="demo", origin_device=self.device,
                    revision=1, hlc=hlc.from_datetime(self.stamp), deleted_at=None, change_seq=DEMO_CHANGE_SEQ)

    def day_between(self, a: date, b: date) -> date:
        span = max(0, (b - a).days)
        return a + timedelta(days=self.rng.randint(0, span))

    def birth_date(self, group: str, on: date) -> date:
        rng = self.rng
        if group == "anak":
            age = rng.randint(0, 17)
        elif group == "lansia":
            age = rng.randint(60, 92)
        elif group == "bencana":
            age = rng.choice((rng.randint(0, 4), rng.randint(5, 59), rng.randint(5, 59), rng.randint(60, 85)))
        else:
            age = rng.randint(18, 59)
        return on - timedelta(days=age * 365 + rng.randint(0, 364))

    def name(self, sex: str) -> str:
        """A given name, often a second given name, usually a family name (never repeated)."""
        rng = self.rng
        given_names = names.FEMALE if sex == "P" else names.MALE
        parts = [rng.choice(given_names)]
        if rng.random() < 0.3:
            second = rng.choice(given_names + (names.FEMALE_SECOND if sex == "P" else []))
            if second not in parts:
                parts.append(second)
        if rng.random() < 0.85:
            family = rng.choice(names.FAMILY + (names.FEMALE_SECOND if sex == "P" else []))
            if family not in parts:
                parts.append(family)
        return " ".join(parts)

    def nik(self, birth: date, sex: str, kecamatan: str) -> str | None:
        for _ in range(20):
            region = kecamatan.replace(".", "") if self.rng.random() < 0.8 else self.rng.choice(OTHER_REGIONS)
            nik = make_nik(region, birth, sex, self.rng.randint(1, 9999))
            if nik not in self.niks:
                self.niks.add(nik)
                return nik
        return None

    def no_kk(self, kecamatan: str) -> str:
        """A No. KK of the kecamatan, issued on a day between 2005 and the end of the data."""
        first = date(2005, 1, 1).toordinal()
        issued = date.fromordinal(self.rng.randint(first, max(first, self.until.toordinal())))
        return make_kk(kecamatan.replace(".", ""), issued, self.rng.randint(1, 9999))

    def person(self, group: str, first_seen: date) -> dict:
        rng = self.rng
        sex = "P" if rng.random() < 0.48 else "L"
        name = self.name(sex)
        kel, kec = rng.choice(self.master.kelurahan)
        birth = self.birth_date(group, first_seen)
        # Street people and found children often have no papers at intake.
        no_papers = rng.random() < (0.35 if group in ("gepeng", "disabilitas") else 0.08)
        alias = rng.choice(names.ALIASES) if no_papers and rng.random() < 0.4 else ""
        category = rng.choice(CATEGORY_BY_GROUP[group])
        return dict(
            id=self.uid(), **self.sync_cols(), created_device=self.device,
            nik=None if no_papers else self.nik(birth, sex, kec),
            no_kk=None if no_papers or rng.random() < 0.3 else self.no_kk(kec),
            name=name, alias=alias, sex=sex,
            birth_date=None if no_papers else birth,
            # An estimate made at intake is never a year after it (the person service refuses it).
            birth_year=min(birth.year + (rng.randint(-2, 2) if no_papers else 0), first_seen.year),
            birth_year_estimated=no_papers,
            birth_place="" if no_papers else rng.choice(names.BIRTH_PLACES),
            address="" if group == "gepeng" else f"{rng.choice(names.STREETS)} No. {rng.randint(1, 250)}",
            kelurahan_code=kel, category_code=category,
            disability_type=rng.choice(DISABILITY_TYPES) if group == "disabilitas" else "",
            phone="" if rng.random() < 0.7 else f"08{rng.randint(10**9, 10**10 - 1)}",
            notes="", search_name=search_key(name, alias), merged_into=None,
        )

    def case(self, person: dict, group: str, kecamatan: str, intake: date) -> tuple[dict, list[dict]]:
        rng = self.rng
        unit = _weighted(rng, UNITS)
        # Rehabilitation outside institutions is short: most cases close within months; a few
        # (long-term residents, people still waiting for a referral) stay open for years.
        recent = (self.until - intake).days < 150
        closed = rng.random() < (0.5 if recent else 0.97)
        exit_date = min(self.until, intake + timedelta(days=rng.randint(3, 150))) if closed else None
        case = dict(
            id=self.uid(), **self.sync_cols(), person_id=person["id"], unit=unit,
            kecamatan_code=kecamatan if unit == "TKSK" else None, spm_group=group, intake_date=intake,
            referred_by=rng.choice(REFERRED),
            found_location=rng.choice(names.FOUND_AT) if group == "gepeng" or rng.random() < 0.3 else "",
            in_shelter=unit in ("UPRS", "PLAT") and rng.random() < 0.8,
            status="closed" if closed else "open", exit_date=exit_date,
            exit_reason=rng.choice(EXIT_REASONS) if closed else "", notes="",
        )
        needs: list[str] = []
        if rng.random() > 0.04:  # a few intakes still wait for their needs assessment
            needs = rng.sample(self.master.assessable, rng.randint(2, 5))
            if "1.06.04.2.01.0001" not in needs and rng.random() < 0.7:
                needs.append("1.06.04.2.01.0001")
        need_rows = [dict(id=self.uid(), **self.sync_cols(), case_id=case["id"], service_code=c, assessed_on=intake,
                          removed_reason="") for c in needs]
        return case, need_rows

    def event(self, person: dict, code: str, day: date, case_id: str | None, disaster_id: str | None,
              unit: str, quantity: int = 1) -> dict:
        return dict(
            id=self.uid(), **self.sync_cols(), person_id=person["id"], case_id=case_id, disaster_id=disaster_id,
            service_code=code, event_date=day, quantity=quantity, details=self.details(code), unit=unit,
            officer="", kelurahan_code=person["kelurahan_code"], notes="",
        )

    def details(self, code: str) -> dict:
        spec = self.master.details.get(code) or []
        out: dict = {}
        for f in spec:
            if f["type"] == "choice":
                out[f["key"]] = self.rng.choice(f["choices"])
            elif f["type"] == "int" and f["key"] == "meals_per_day":
                out[f["key"]] = 3
            elif f["type"] == "int":
                out[f["key"]] = 1
        return out


def _load_master(db: Database) -> _Master:
    with db.reading() as s:
        kel = [(r.code, r.parent_code) for r in s.scalars(select(Region).where(Region.level.in_(("kelurahan", "desa")))
                                                            .order_by(Region.code))]
        types = sorted(catalogue.service_types(s, active_only=True, live=False), key=lambda t: t.code)
    if not kel:
        raise ValidationError("Daftar desa/kelurahan kosong; pilih wilayah kerja terlebih dahulu.", "region")
    return _Master(kel, [t.code for t in types if t.assessable], {t.code: t.detail_fields for t in types},
                   {t.code: t.counting_rule for t in types if t.counting_rule in ACTIVITY_RULES})


def _insert(session, model, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[i:i + BATCH])


def generate(
    db: Database,
    persons: int,
    events: int,
    seed: int = 1,
    until: date | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    actor: Actor = SYSTEM,
) -> DemoResult:
    """Write ``persons`` persons and exactly ``events`` service events (one transaction),
    audited as ``actor`` (bulk writing like an import: ``import.run``)."""
    require(actor, "import.run")
    if persons < 1 or events < 0:
        raise ValidationError("Jumlah penerima layanan minimal 1 dan jumlah layanan tidak boleh negatif.", "persons")
    say = progress or (lambda _m: None)
    until = until or clock.today()
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.area import DEMO_AREA, AreaChoice, adopt_area, needs_area

    if needs_area(db):  # a new data folder: the demo office is Kota Pontianak
        adopt_area(db, SYSTEM, AreaChoice(DEMO_AREA))
    master = _load_master(db)
    with db.transaction(actor) as s:
        existing = s.scalar(select(func.count()).select_from(Person))
        if existing and not force:
            raise ConflictError(
                f"Basis data sudah berisi {existing} penerima layanan; data contoh tidak ditulis. "
                "Gunakan --force untuk tetap menambahkannya.")
        taken = {n for n in s.scalars(select(Person.nik).where(Person.nik.is_not(None)))}
        gen = _Gen(seed, until, db.device_id, master, taken)
        result = _build(gen, s, persons, events, say)
        s.execute(update(LocalDevice).values(change_seq=LocalDevice.change_seq + 1))
        hlc.observe(s, hlc.from_datetime(gen.stamp))  # later edits order after the demo records
        s.execute(text("SELECT 1"))
        audit.record(s, "demo_data", "database", "", after=result.counts)
    return result


def _build(gen: _Gen, s, n_persons: int, n_events: int, say) -> DemoResult:
    rng = gen.rng
    n_victims = int(n_persons * dict(GROUP_SHARES)["bencana"])
    person_rows, case_rows, need_rows = [], [], []
    plans: list[tuple[dict, dict | None, list[str]]] = []  # (person, case, needs)
    say("Membuat penerima layanan dan kasus...")
    for _ in range(n_persons - n_victims):
        group = _weighted(rng, GROUP_SHARES[:-1])
        case_group = "gepeng" if group == "lainnya" else group
        first = gen.day_between(gen.start, gen.until)
        person = gen.person(group, first)
        kec = next(k for kel, k in gen.master.kelurahan if kel == person["kelurahan_code"])
        case, needs = gen.case(person, case_group, kec, first)
        person_rows.append(person)
        case_rows.append(case)
        need_rows.extend(needs)
        plans.append((person, case, [n["service_code"] for n in needs]))
        if rng.random() < 0.08:  # some come back later, sometimes in another group
            # Adults only: a child's second intake as "lansia" would not fit the age rules.
            second_group = case_group if group == "anak" else rng.choice(("disabilitas", "gepeng", case_group))
            case2, needs2 = gen.case(person, second_group, kec, gen.day_between(first, gen.until))
            if case2["intake_date"] > (case["exit_date"] or gen.until) or case2["spm_group"] != case["spm_group"]:
                case_rows.append(case2)
                need_rows.extend(needs2)
                plans.append((person, case2, [n["service_code"] for n in needs2]))

    say("Membuat kejadian bencana dan keluarga terdampak...")
    disaster_rows, household_rows, member_rows, victims = _disasters(gen, n_victims)
    person_rows.extend(v[0] for v in victims)

    say("Membuat catatan layanan...")
    listings: list[tuple[str, dict, date]] = []  # (activity code, person, date) of family guidance
    event_rows = _events(gen, plans, victims, n_events, listings)
    say("Membuat kegiatan kelompok dan daftar relawan...")
    volunteer_rows, activity_rows, listed_rows, took_part_rows = _activities(gen, listings)

    tables = ((Person, person_rows), (Case, case_rows), (CaseNeed, need_rows), (Disaster, disaster_rows),
              (Household, household_rows), (HouseholdMember, member_rows), (ServiceEvent, event_rows),
              (Volunteer, volunteer_rows), (GroupActivity, activity_rows), (GroupActivityPerson, listed_rows),
              (GroupActivityVolunteer, took_part_rows))
    with bulk_inserts(s, (DEMO_CHANGE_SEQ,)):
        for model, rows in tables:
            say(f"Menulis {len(rows)} baris {model.__tablename__}...")
            _insert(s, model, rows)
        refresh_name_keys(s.connection(), [p["id"] for p in person_rows])  # the duplicate search's index
    counts = {"person": len(person_rows), "cases": len(case_rows), "case_need": len(need_rows),
              "disaster": len(disaster_rows), "household": len(household_rows),
              "household_member": len(member_rows), "service_event": len(event_rows),
              "volunteer": len(volunteer_rows), "group_activity": len(activity_rows)}
    return DemoResult(counts)


def _disasters(gen: _Gen, n_victims: int):
    rng = gen.rng
    disasters, households, members, victims = [], [], [], []
    kinds = ("kebakaran_permukiman", "kebakaran_permukiman", "puting_beliung", "banjir_rob", "angin_kencang")
    remaining = n_victims
    while remaining > 0:
        kel, kec = rng.choice(gen.master.kelurahan)
        # Fires and storms strike every year: the first disaster falls in the current year.
        earliest = date(gen.until.year, 1, 1) if not disasters else gen.start
        start = gen.day_between(earliest, gen.until - timedelta(days=1))
        end = min(gen.until, start + timedelta(days=rng.randint(3, 14)))
        disaster = dict(id=gen.uid(), **gen.sync_cols(), kind=rng.choice(kinds), name="", start_date=start,
                        end_date=end if end < gen.until else None,
                        phase="pasca_bencana" if end < gen.until else "tanggap_darurat",
                        kecamatan_code=kec, kelurahan_code=kel, location=f"{rng.choice(names.STREETS)}",
                        houses_light=rng.randint(0, 10), houses_medium=rng.randint(0, 6),
                        houses_heavy=rng.randint(1, 8), description="",
                        status="closed" if end < gen.until else "open",
                        closed_on=end if end < gen.until else None, scale="kabupaten_kota")
        disaster["name"] = f"{disaster['kind'].replace('_', ' ').title()} {short_date(start)}"
        disasters.append(disaster)
        for _ in range(rng.randint(2, 12)):
            if remaining <= 0:
                break
            size = min(remaining, rng.randint(1, 6))
            hh_id = gen.uid()
            family = [gen.person("bencana", start) for _ in range(size)]
            no_kk = gen.no_kk(kec)
            damage = rng.choice(("ringan", "sedang", "berat"))
            displaced = damage != "ringan"  # a badly damaged house: the family is displaced
            for i, p in enumerate(family):
                p["kelurahan_code"], p["no_kk"] = kel, no_kk
                relation = "kepala" if i == 0 else ("istri" if i == 1 else "anak")
                members.append(dict(id=gen.uid(), **gen.sync_cols(), household_id=hh_id,
                                    disaster_id=disaster["id"], person_id=p["id"], relation=relation,
                                    pregnant_breastfeeding=relation == "istri" and rng.random() < 0.2,
                                    disability=rng.random() < 0.04, needs_psychosocial=False,
                                    waived_codes="", waiver_reason=""))
                victims.append((p, disaster, hh_id, i == 0 and displaced))
            households.append(dict(id=hh_id, **gen.sync_cols(), disaster_id=disaster["id"], no_kk=no_kk,
                                   head_person_id=family[0]["id"], address=disaster["location"],
                                   damage_level=damage, notes="", displaced=displaced))
            remaining -= size
    return disasters, households, members, victims


def _events(gen: _Gen, plans, victims, n_events: int, listings: list) -> list[dict]:
    """Exactly ``n_events`` individual events. A need of a group-activity type is served by an
    activity instead: the (code, person, date) goes to ``listings`` and another code is drawn."""
    rng = gen.rng
    group_codes = set(gen.master.activity_rules)
    rows: list[dict] = []
    # Disaster victims first: meals for most, clothing for many, special care for some; a tent
    # for each displaced family (on its head).
    for person, disaster, _hh, sheltered_head in victims:
        if len(rows) >= n_events:
            break
        start = disaster["start_date"]
        if sheltered_head:
            rows.append(gen.event(person, "1.06.06.2.01.0007", start, None, disaster["id"], "BIDANG"))
        for code in DISASTER_EVENT_CODES:
            if rng.random() < {"1.06.06.2.01.0001": 0.95, "1.06.06.2.01.0002": 0.8,
                               "1.06.06.2.01.0004": 0.15, "1.06.06.2.01.0005": 0.1}[code]:
                day = min(gen.until, start + timedelta(days=rng.randint(0, 3)))
                rows.append(gen.event(person, code, day, None, disaster["id"], "BIDANG"))
    if not plans:
        return rows[:n_events]
    # Case events: each case gets a share; most follow the needs, with gaps.
    budget = max(0, n_events - len(rows))
    weights = [rng.random() + 0.3 for _ in plans]
    scale = budget / sum(weights)
    extra_codes = ("1.06.04.2.01.0009", "1.06.04.2.02.0006", "1.06.04.2.02.0007", "1.06.04.2.01.0005")
    for (person, case, needs), w in zip(plans, weights, strict=True):
        count = int(w * scale)
        if count == 0:
            continue
        begin, end = case["intake_date"], case["exit_date"] or gen.until
        skipped = {c for c in needs if rng.random() < 0.25}  # realistic gaps: some needs never met
        for code in needs:
            if code in group_codes and code not in skipped:
                listings.append((code, person, gen.day_between(begin, end)))
        wanted = [c for c in needs if c not in skipped and c not in group_codes] or list(extra_codes[:1])
        for _ in range(count):
            code = rng.choice(wanted) if rng.random() < 0.9 else rng.choice(extra_codes)
            rows.append(gen.event(person, code, gen.day_between(begin, end), case["id"], None, case["unit"]))
    # Top up or trim to exactly n_events.
    while len(rows) < n_events:
        person, case, needs = rng.choice(plans)
        code = rng.choice([c for c in needs if c not in group_codes] or list(extra_codes))
        day = gen.day_between(case["intake_date"], case["exit_date"] or gen.until)
        rows.append(gen.event(person, code, day, case["id"], None, case["unit"]))
    return rows[:n_events]


def _activities(gen: _Gen, listings: list[tuple[str, dict, date]]):
    """The volunteer roster and the group activities: family guidance sessions per code, month
    and kelurahan listing the PPKS whose families attended (plus community members), and two
    Tagana activities a month with some of the roster."""
    rng = gen.rng
    stamp = gen.sync_cols()
    volunteers, activities, listed, took_part = [], [], [], []
    sessions: dict[tuple[str, int, int, str], list[tuple[dict, date]]] = {}
    for code, person, day in listings:
        sessions.setdefault((code, day.year, day.month, person["kelurahan_code"]), []).append((person, day))
    for (code, _y, _m, kel), people in sorted(sessions.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0],
                                                                                 kv[0][3])):
        activity_id = gen.uid()
        male = sum(1 for p, _d in people if p["sex"] == "L") + rng.randint(0, 6)
        female = sum(1 for p, _d in people if p["sex"] == "P") + rng.randint(0, 8)
        activities.append(dict(id=activity_id, **stamp, service_code=code, activity_date=max(d for _p, d in people),
                               kelurahan_code=kel, participants_male=male, participants_female=female,
                               facilitator="Pekerja sosial", notes=""))
        seen: set[str] = set()
        for person, _day in people:
            if person["id"] not in seen:
                seen.add(person["id"])
                listed.append(dict(id=gen.uid(), **stamp, activity_id=activity_id, person_id=person["id"]))
    tagana = [c for c, r in gen.master.activity_rules.items() if r == "named_participants"]
    if not tagana:
        return volunteers, activities, listed, took_part
    for i in range(ROSTER_SIZE):
        sex = "L" if rng.random() < 0.7 else "P"
        volunteers.append(dict(id=gen.uid(), **stamp, name=gen.name(sex), sex=sex, nik=None, organisation="Tagana",
                               phone="", active=rng.random() < 0.9 or i < 10, notes=""))
    month = date(gen.start.year, gen.start.month, 1)
    while month <= gen.until:
        for _ in range(2):
            day = min(gen.until, month + timedelta(days=rng.randint(0, 27)))
            crew = rng.sample(volunteers, rng.randint(5, 25))
            activity_id = gen.uid()
            male = sum(1 for v in crew if v["sex"] == "L")
            activities.append(dict(id=activity_id, **stamp, service_code=tagana[0], activity_date=day,
                                   kelurahan_code=rng.choice(gen.master.kelurahan)[0], participants_male=male,
                                   participants_female=len(crew) - male, facilitator="Koordinator Tagana",
                                   notes="Apel dan simulasi siaga bencana"))
            took_part.extend(dict(id=gen.uid(), **stamp, activity_id=activity_id, volunteer_id=v["id"]) for v in crew)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return volunteers, activities, listed, took_part
