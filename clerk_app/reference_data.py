"""Reference data of a desk: its agency, units, people, and the year's registers and series.

Writes through the desk kernel's unit of work like every writer; knows nothing of documents'
fields or files (those are the registration's), nor of Qt or sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clerk_app import errors, numbering
from clerk_app.field_rules import DEFAULT_SERIES
from clerk_app.kernel import DeskContext, Transaction
from clerk_app.records import AgencyInfo, Change, Direction, PersonInfo, RegisterInfo, UnitInfo
from clerk_app.registration import free_text
from clerk_app.storage import numbering_queries
from clerk_app.storage.models import (
    Agency,
    Document,
    NumberVoid,
    Person,
    Register,
    Unit,
    new_id,
)
from clerk_app.storage.sync_models import SyncLease
from clerk_app.text import fold, nfc

REGISTER_NAMES = {"incoming": "Sổ đăng ký văn bản đến", "outgoing": "Sổ đăng ký văn bản đi"}


class ReferenceData:
    """The agency's units, people and registers, built once per open desk."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def agency(self) -> AgencyInfo:
        with self._ctx.read() as s:
            a = s.get_one(Agency, self._ctx.agency_id)
            return AgencyInfo(a.id, a.name, a.code, a.parent_name)

    def add_unit(self, code: str, name: str) -> Change:
        unit_code = free_text(code, "code").upper()
        unit_name = free_text(name, "name")
        if not unit_code or " " in unit_code:
            raise errors.InvalidValue("code", code, "chữ viết tắt không dấu cách, ví dụ VP")
        if not unit_name:
            raise errors.MissingField("name")
        with self._ctx.write() as tx:
            s = tx.session
            if s.execute(select(Unit).where(Unit.code == unit_code)).first():
                raise errors.DuplicateUnit(unit_code)
            unit = Unit(
                id=new_id(),
                agency_id=self._ctx.agency_id,
                code=unit_code,
                name=unit_name,
                name_folded=fold(unit_name),
                created_at=self._ctx.clock(),
            )
            s.add(unit)
            s.flush()
            tx.record("add_unit", "unit", unit.id, {"code": unit_code, "name": unit_name})
        return Change("add_unit", other=("units",))

    def units(self) -> list[UnitInfo]:
        with self._ctx.read() as s:
            rows = s.execute(select(Unit).order_by(Unit.code)).scalars()
            return [UnitInfo(u.id, u.code, u.name) for u in rows]

    def add_person(self, full_name: str, unit_code: str | None, title: str = "") -> Change:
        name = free_text(full_name, "name")
        if not name:
            raise errors.MissingField("name")
        with self._ctx.write() as tx:
            s = tx.session
            unit_id = tx.unit_id(unit_code) if unit_code else None
            person = Person(
                id=new_id(),
                agency_id=self._ctx.agency_id,
                unit_id=unit_id,
                full_name=name,
                name_folded=fold(name),
                title=nfc(title),
                created_at=self._ctx.clock(),
            )
            s.add(person)
            s.flush()
            tx.record(
                "add_person",
                "person",
                person.id,
                {"full_name": name, "unit": unit_code, "title": person.title},
            )
        return Change("add_person", other=("people",))

    def people(self) -> list[PersonInfo]:
        with self._ctx.read() as s:
            rows = s.execute(
                select(Person, Unit.code)
                .outerjoin(Unit, Person.unit_id == Unit.id)
                .order_by(Person.name_folded)
            ).all()
            return [PersonInfo(p.id, p.full_name, code, p.title) for p, code in rows]

    def registers(self, year: int | None = None) -> list[RegisterInfo]:
        with self._ctx.read() as s:
            query = select(Register)
            if year is not None:
                query = query.where(Register.year == year)
            rows = s.execute(query).scalars().all()
            infos = [register_info(r, s, self._ctx.desk_id) for r in rows]
        return sorted(
            infos,
            key=lambda r: (-r.year, r.kind != "incoming", r.series != DEFAULT_SERIES, r.series),
        )

    def register_for(self, kind: Direction, year: int, series: str | None = None) -> RegisterInfo:
        with self._ctx.read() as s:
            reg = s.execute(
                select(Register).where(
                    Register.kind == kind,
                    Register.year == year,
                    Register.series == (series or DEFAULT_SERIES),
                )
            ).scalar_one_or_none()
            if reg is None:
                raise errors.NoRegister(kind, year)
            return register_info(reg, s, self._ctx.desk_id)

    def open_year(self, year: int) -> Change:
        with self._ctx.write() as tx:
            opened = open_registers(tx, year, self._ctx.clock())
        return Change("open_year", register_ids=tuple(opened))

    def close_year(self, year: int) -> Change:
        """Close the year's registers (bound at year end): no number is issued in them again."""
        with self._ctx.write() as tx:
            s = tx.session
            year_regs = (
                s.execute(
                    select(Register).where(
                        Register.agency_id == self._ctx.agency_id, Register.year == year
                    )
                )
                .scalars()
                .all()
            )
            if not year_regs:
                raise errors.NoRegister("outgoing", year)
            regs = [r for r in year_regs if r.closed_at is None]
            now = self._ctx.clock()
            for reg in regs:
                reg.closed_at = now
                tx.record("close_register", "register", reg.id, register_details(reg))
        return Change("close_year", register_ids=tuple(r.id for r in regs))

    def reference_clashes(self) -> list[numbering_queries.ReferenceClash]:
        """References held by more than one live outgoing document (found by migration 0005)."""
        with self._ctx.read() as s:
            return numbering_queries.reference_clashes(s)

    def add_series(self, year: int, code: str, name: str, doc_types: Sequence[str]) -> Change:
        """An extra outgoing series (e.g. legal-normative documents), chosen by document type."""
        from clerk_app.vocabulary import canonical_doc_type

        series = nfc(code)
        if not series or series == DEFAULT_SERIES:
            raise errors.InvalidValue("series", code, "một mã sổ mới")
        types = []
        for t in doc_types:
            canonical = canonical_doc_type(t)
            if canonical is None:
                raise errors.InvalidValue("doc_type", t, "tên loại văn bản theo Nghị định 30")
            types.append(canonical)
        numbering.check_series_types(series, types)
        with self._ctx.write() as tx:
            s = tx.session
            open_registers(tx, year, self._ctx.clock())
            reg = Register(
                id=new_id(),
                agency_id=self._ctx.agency_id,
                kind="outgoing",
                year=year,
                series=series,
                name=nfc(name) or f"{REGISTER_NAMES['outgoing']} ({series})",
                doc_types=types,
                last_number=0,
                opened_at=self._ctx.clock(),
            )
            s.add(reg)
            try:
                s.flush()
            except IntegrityError:
                raise errors.InvalidValue("series", code, "mã sổ chưa dùng trong năm") from None
            tx.record("open_register", "register", reg.id, register_details(reg))
        return Change("add_series", register_ids=(reg.id,))


def register_details(reg: Register) -> dict[str, Any]:
    return {
        "kind": reg.kind,
        "year": reg.year,
        "series": reg.series,
        "name": reg.name,
        "doc_types": reg.doc_types,
    }


def open_registers(tx: Transaction, year: int, now: datetime) -> list[str]:
    """Open the year's incoming register and outgoing series (as last year's) if not open yet."""
    s, agency_id = tx.session, tx.ctx.agency_id
    existing = (
        s.execute(select(Register).where(Register.agency_id == agency_id, Register.year == year))
        .scalars()
        .all()
    )
    if existing:
        return []
    previous_year = s.execute(
        select(Register.year)
        .where(Register.agency_id == agency_id, Register.year < year)
        .order_by(Register.year.desc())
        .limit(1)
    ).scalar_one_or_none()
    templates: list[tuple[str, str, str, list[str] | None]] = [
        ("incoming", DEFAULT_SERIES, REGISTER_NAMES["incoming"], None),
        ("outgoing", DEFAULT_SERIES, REGISTER_NAMES["outgoing"], None),
    ]
    if previous_year is not None:
        for old in s.execute(
            select(Register).where(
                Register.year == previous_year,
                Register.kind == "outgoing",
                Register.series != DEFAULT_SERIES,
            )
        ).scalars():
            templates.append(("outgoing", old.series, old.name, old.doc_types))
    opened = []
    for kind, series, name, doc_types in templates:
        reg = Register(
            id=new_id(),
            agency_id=agency_id,
            kind=kind,
            year=year,
            series=series,
            name=name,
            doc_types=doc_types,
            last_number=0,
            opened_at=now,
        )
        s.add(reg)
        s.flush()
        tx.record("open_register", "register", reg.id, register_details(reg), at=now)
        opened.append(reg.id)
    return opened


def pick_register(
    tx: Transaction,
    kind: str,
    year: int,
    series: str | None,
    doc_type: str,
    now: datetime,
    *,
    qppl: bool = False,
) -> Register:
    s, agency_id = tx.session, tx.ctx.agency_id
    open_registers(tx, year, now)
    # Choosing the QPPL register by name says the document is legal-normative.
    qppl = qppl or series == numbering.QPPL_SERIES
    reserved = numbering.reserved_series_for(doc_type, qppl) if kind == "outgoing" else None
    if series and kind == "outgoing":
        numbering.check_series_choice(series, doc_type, qppl)
    if reserved is not None:
        return _reserved_register(tx, year, reserved, now)
    candidates = (
        s.execute(
            select(Register).where(
                Register.agency_id == agency_id, Register.kind == kind, Register.year == year
            )
        )
        .scalars()
        .all()
    )
    if series:
        for reg in candidates:
            if reg.series == series:
                return reg
        raise errors.InvalidValue("series", series, "một sổ văn bản đi đã mở trong năm")
    if kind == "outgoing":
        for reg in candidates:
            # The QPPL and copy series take documents by their property, never by type alone.
            if reg.series in numbering.RESERVED_SERIES:
                continue
            if reg.doc_types and doc_type in reg.doc_types:
                return reg
    for reg in candidates:
        if reg.series == DEFAULT_SERIES:
            return reg
    raise errors.NoRegister(kind, year)


def _reserved_register(tx: Transaction, year: int, series: str, now: datetime) -> Register:
    """The year's QPPL or copy series, opened (and audited) the first time it numbers."""
    s = tx.session
    reg = s.execute(
        select(Register).where(
            Register.agency_id == tx.ctx.agency_id,
            Register.kind == "outgoing",
            Register.year == year,
            Register.series == series,
        )
    ).scalar_one_or_none()
    if reg is not None:
        return reg
    reg = Register(
        id=new_id(),
        agency_id=tx.ctx.agency_id,
        kind="outgoing",
        year=year,
        series=series,
        name=numbering.SERIES_NAMES[series],
        doc_types=None,
        last_number=0,
        opened_at=now,
    )
    s.add(reg)
    s.flush()
    tx.record("open_register", "register", reg.id, register_details(reg), at=now)
    return reg


def register_info(reg: Register, s: Session, desk_id: str) -> RegisterInfo:
    issued = issued_through(s, reg, desk_id)
    voids = s.execute(
        select(func.count())
        .select_from(NumberVoid)
        .where(NumberVoid.register_id == reg.id, NumberVoid.number <= issued)
    ).scalar_one()
    return RegisterInfo(reg.id, reg.kind, reg.year, reg.series, reg.name, issued, int(voids))  # type: ignore[arg-type]


def issued_through(s: Session, reg: Register, desk_id: str) -> int:
    """The register's last issued number. On the desk holding a register's lease, the counter
    also covers the numbers it ceded to the server (so it never gives them itself) that nobody
    has used yet: they are not in the register, neither documents nor voids, until the server
    gives them or records them as voids."""
    lease = s.get(SyncLease, (reg.kind, reg.series, reg.year))
    if lease is None or lease.holder_desk_id != desk_id:
        return reg.last_number
    if reg.last_number <= lease.server_last_number:
        return reg.last_number
    top_document = s.execute(
        select(func.max(Document.number)).where(Document.register_id == reg.id)
    ).scalar_one()
    top_void = s.execute(
        select(func.max(NumberVoid.number)).where(NumberVoid.register_id == reg.id)
    ).scalar_one()
    return max(lease.server_last_number, top_document or 0, top_void or 0)
