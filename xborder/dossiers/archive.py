"""Reading a dossier ZIP safely: entry names, zip-bomb limits and bounded reads, with the report they write to.

Nothing is written to disk; an unsafe entry is a failed check in the report, never a path that is opened.
"""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from xborder.dossiers import bundle

MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it held, and the particulars (`warning`: it held, but a
    reader must know, e.g. a stale sign-off)."""

    name: str
    ok: bool
    detail: str = ""
    warning: bool = False
    # What the detail says, as a catalogue code and its values, so that a page can say it in its own language
    # (the CLI prints `detail`, cli.md's contract); empty for a detail that only quotes the bundle.
    code: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


# Where the report's trust comes from (dossier.md: "Trust comes from outside the bundle").
TRUSTED = "trusted"  # every stage chains to an anchor given from outside the bundle
UNANCHORED = "unanchored"  # no outside anchor: checked against the bundle's own certs/ca.pem only, never trusted
OTHER_CA = "other_ca"  # outside anchors given; a stage chains only to the bundle's own (another) CA
NO_CA = "no_ca"  # a stage chains to no CA at all


@dataclasses.dataclass
class Report:
    """Every check made on a bundle, in order, and whether the bundle could be read at all."""

    checks: list[Check] = dataclasses.field(default_factory=list)
    readable: bool = True
    trust: str = UNANCHORED
    # Subjects and SHA-256 fingerprints of the anchors the stages chain to (outside anchors, or the bundle's own
    # when there are none or a stage does not chain to them): what the page names as "signed under".
    signed_under: dict[str, str] = dataclasses.field(default_factory=dict)
    # Stages whose sign-off covered an earlier revision of the enterprise's stage than the newest one:
    # {"stage", "role", "revision" (covered), "newest"}.
    stale: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str = "", *, warning: bool = False, code: str = "",
            **params: Any) -> bool:
        """Record a check and return whether it held (`code` and `params`: the detail, for a translated page)."""
        self.checks.append(Check(name, ok, detail, warning, code, params))
        return ok

    @property
    def ok(self) -> bool:
        """True when the bundle was readable and every check held."""
        return self.readable and all(check.ok for check in self.checks)

    @property
    def trusted(self) -> bool:
        """True when every check held and every stage chains to an anchor from outside the bundle."""
        return self.ok and self.trust == TRUSTED

    @property
    def exit_code(self) -> int:
        """The `xborder verify` exit code: 0 valid and trusted, 1 a check failed, 2 not a readable bundle,
        3 consistent but checked against no anchor from outside the bundle (cli.md)."""
        if not self.readable:
            return 2
        if not self.ok:
            return 1
        return 0 if self.trust == TRUSTED else 3


@dataclasses.dataclass(frozen=True)
class Limits:
    """Zip-bomb limits; a real dossier (JSON and a few .docx) is far below every one."""

    max_archive_bytes: int = 160 * MiB
    max_entries: int = 1000
    max_total_bytes: int = 128 * MiB
    max_ratio: int = 100
    # Small entries may compress very well (JSON whitespace) and cannot hurt within the total budget.
    ratio_floor_bytes: int = 1 * MiB


class Stop(Exception):
    """Ends the checks early: the failing check is already in the report (or, if unreadable, is this)."""

    def __init__(self, name: str = "", detail: str = "", *, unreadable: bool = False) -> None:
        super().__init__(detail)
        self.name, self.detail, self.unreadable = name, detail, unreadable


def read_archive(
    report: Report, data: bytes | str | os.PathLike[str], limits: Limits, stack: ExitStack
) -> tuple[dict[str, bytes], list[str]]:
    if isinstance(data, bytes | bytearray | memoryview):
        size, source = len(data), io.BytesIO(bytes(data))
    else:
        try:
            size, source = os.stat(data).st_size, stack.enter_context(open(data, "rb"))
        except OSError as exc:
            raise Stop("archive", f"cannot read {os.fspath(data)}: {exc.strerror}", unreadable=True) from None
    if size > limits.max_archive_bytes:
        report.add("size limits", False, f"the archive is {size} bytes; at most {limits.max_archive_bytes}")
        raise Stop()
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
        infos = archive.infolist()
    except Exception as exc:  # zipfile raises several types on hostile input; all mean "not a ZIP we can read"
        raise Stop("archive", f"not a ZIP file: {exc}", unreadable=True) from None
    report.add("archive", True, f"{len(infos)} entries, {size} bytes", code="entries", entries=len(infos), size=size)
    _check_bounds(report, archive, infos, source, size)
    safe = _check_names(report, infos)
    _check_header_limits(report, infos, limits)
    contents: dict[str, bytes] = {}
    unreadable: list[str] = []
    budget = limits.max_total_bytes
    for info in safe:
        try:
            content = _read_bounded(archive, info, budget)
        except OverflowError as exc:
            report.add("size limits", False, f"{info.filename!r} {exc}")
            raise Stop() from None
        except Exception as exc:  # bad CRC, corrupt deflate stream, header mismatch: the entry is damaged
            unreadable.append(f"{info.filename!r}: {exc}")
            continue
        budget -= len(content)
        contents[info.filename] = content
    total = limits.max_total_bytes - budget
    report.add("size limits", True, f"{len(infos)} entries, {total} bytes uncompressed", code="uncompressed",
               entries=len(infos), size=total)
    report.add("entries readable", not unreadable, "; ".join(unreadable))
    return contents, [info.filename for info in infos]


def _check_bounds(report: Report, archive: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo], source, size: int
                  ) -> None:
    """Bytes before the first entry or after the end record are refused: zipfile reads past them, but a file that
    is something else with a ZIP inside (a polyglot) is not the bundle that was signed and listed."""
    problems = []
    first = min((info.header_offset for info in infos), default=archive.start_dir)
    if first:
        problems.append(f"{first} bytes before the first entry")
    tail = 22 + len(archive.comment)
    source.seek(max(size - tail, 0))
    end = source.read(tail)
    if len(end) < 22 or end[:4] != b"PK\x05\x06" or int.from_bytes(end[20:22], "little") != len(archive.comment):
        problems.append("bytes after the end of the ZIP (its end record is not the last thing in the file)")
    report.add("archive bounds", not problems, "; ".join(problems) or "nothing before or after the ZIP",
               code="" if problems else "bounds")


def _check_names(report: Report, infos: Sequence[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Report unsafe entries and return the others, of duplicates only the first, which is all that is read."""
    problems, seen, safe = [], set(), []
    for info in infos:
        name = info.filename
        problem = bundle.path_problem(name)
        if problem is None and name.casefold() in seen:
            # Two names that differ only in case become one file on Windows and macOS.
            problem = "a duplicate name"
        if problem is None and (info.external_attr >> 16) & 0o170000 == 0o120000:
            problem = "a symbolic link"
        if problem is None and info.flag_bits & 0x1:
            problem = "encrypted"
        if problem is None and info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problem = f"compressed with method {info.compress_type}; only stored and deflate are accepted"
        seen.add(name.casefold())
        if problem:
            problems.append(f"{name!r}: {problem}")
        else:
            safe.append(info)
    report.add("entry names", not problems, "; ".join(problems))
    return safe


def _check_header_limits(report: Report, infos: Sequence[zipfile.ZipInfo], limits: Limits) -> None:
    problems = []
    if len(infos) > limits.max_entries:
        problems.append(f"{len(infos)} entries; at most {limits.max_entries}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        problems.append(f"headers declare {total} bytes uncompressed; at most {limits.max_total_bytes}")
    for info in infos:
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            problems.append(f"{info.filename!r} expands {info.file_size // max(info.compress_size, 1)}-fold")
    if problems:
        report.add("size limits", False, "; ".join(problems))
        raise Stop()


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    # Headers can lie: stop as soon as an entry yields more than it declared or than the whole budget allows.
    limit = min(info.file_size, budget)
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(64 * 1024):
            out += chunk
            if len(out) > limit:
                raise OverflowError("decompresses to more than its header declares or the size limit allows")
    if len(out) != info.file_size:
        raise ValueError(f"yields {len(out)} bytes, its header declares {info.file_size}")
    return bytes(out)
