"""What some tests need from the system, outside Python: skipped with the reason when it is missing.

``make test`` installs these (``scripts/system-packages.sh``) when it can, and names them when it cannot.
``QALA_REQUIRE_<NAME>=1`` turns the skip into a failure: CI sets QALA_REQUIRE_POSTGRES, QALA_REQUIRE_BROWSER and
QALA_REQUIRE_PDF, so there nothing is skipped for want of a package.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def missing(name: str, reason: str) -> None:
    """Skip (or, with QALA_REQUIRE_<NAME>=1, fail) a test that needs what is missing."""
    if os.environ.get(f"QALA_REQUIRE_{name.upper()}") == "1":
        pytest.fail(f"{reason}, and QALA_REQUIRE_{name.upper()}=1")
    pytest.skip(reason)


def browser() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing("browser", "Debian's Chromium (/usr/bin/chromium) is not installed: apt-get install chromium")
    if ctypes.util.find_library("atomic") is None:  # Playwright's bundled node driver links it
        missing("browser", "libatomic.so.1, which Playwright's driver needs, is missing: apt-get install libatomic1")
    return CHROMIUM


def pdf() -> None:
    from qala.report.pdf import pdf_unavailable

    reason = pdf_unavailable()
    if reason:
        missing("pdf", reason)


def program(name: str, package: str, purpose: str) -> str:
    found = shutil.which(name)
    if found is None:
        missing(name, f"{name} is not installed ({purpose}): apt-get install {package}")
    assert found is not None
    return found
