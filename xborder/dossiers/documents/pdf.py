"""PDF copies of the documents, made by LibreOffice (`soffice --headless --convert-to pdf`) where it is installed:
an optional system dependency, checked at start-up (dossiers.init_app logs it). Never hand-drawn: without
LibreOffice the bundle is complete without PDFs, and the case page says so.

XBORDER_PDF_COPIES: `auto` (default: on when `soffice` is on the PATH, or at XBORDER_SOFFICE) or `off`.
XBORDER_PDF_TIMEOUT: the seconds one conversion may take for a small stage (default 180); a stage's run may take
that plus as much again for every 50 KiB of its documents, since LibreOffice's layout of a long table grows faster
than the table (the self-assessment report of 2,000 inventory rows, ~75 KiB, takes minutes on a loaded machine).
"""

from __future__ import annotations

import functools
import logging
import os
import pathlib
import shutil
import subprocess
import tempfile
from collections.abc import Mapping

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 180
TIMEOUT_STEP_BYTES = 50 * 1024


def timeout_for(documents: Mapping[str, bytes]) -> float:
    """How long one LibreOffice run over these documents may take: the base, and the base again per 50 KiB."""
    try:
        base = float(os.environ.get("XBORDER_PDF_TIMEOUT", TIMEOUT_SECONDS))
    except ValueError:
        base = TIMEOUT_SECONDS
    return base * (1 + sum(map(len, documents.values())) // TIMEOUT_STEP_BYTES)


@functools.lru_cache(maxsize=1)
def soffice() -> str | None:
    """The LibreOffice executable PDF copies are made with, or None when they are off or it is not installed."""
    if os.environ.get("XBORDER_PDF_COPIES", "auto").strip().lower() == "off":
        return None
    return os.environ.get("XBORDER_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    """Whether documents get PDF copies in this deployment."""
    return soffice() is not None


def convert(documents: Mapping[str, bytes]) -> dict[str, bytes]:
    """A PDF beside each .docx (same path, .pdf), all of a stage's in one LibreOffice run (one start-up, a profile
    directory of its own); {} when LibreOffice is absent, fails or runs out of time (logged: the bundle is complete
    without PDF copies)."""
    executable = soffice()
    docx = {path: data for path, data in documents.items() if path.endswith(".docx")}
    if executable is None or not docx:
        return {}
    with tempfile.TemporaryDirectory(prefix="xborder-pdf-") as tmp:
        root = pathlib.Path(tmp)
        # Plain ASCII names for LibreOffice; its own profile directory so parallel workers do not share a lock.
        names = {f"d{n:03d}": path for n, path in enumerate(sorted(docx))}
        for name, path in names.items():
            (root / f"{name}.docx").write_bytes(docx[path])
        command = [executable, f"-env:UserInstallation=file://{root / 'profile'}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(root / "out"), *(str(root / f"{n}.docx") for n in names)]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout_for(docx))
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("PDF copies not made: LibreOffice failed (%s)", exc)
            return {}
        out = {}
        for name, path in names.items():
            pdf = root / "out" / f"{name}.pdf"
            if pdf.exists():
                out[path.removesuffix(".docx") + ".pdf"] = pdf.read_bytes()
        return out
