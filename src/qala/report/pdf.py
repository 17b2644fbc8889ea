"""The report as PDF through WeasyPrint, with an embedded font that has every Kazakh letter.

The font is DejaVu Sans as shipped inside matplotlib (a dependency already, with its licence,
``matplotlib/mpl-data/fonts/ttf/LICENSE_DEJAVU``), so the PDF does not depend on the fonts of the system:
without a Cyrillic font WeasyPrint would print empty boxes for ә ғ қ ң ө ұ ү һ і without an error.

WeasyPrint needs Pango from the system; without it a PDF is refused with :class:`PdfUnavailable`, which names the
Debian packages, and the rest of Qala (HTML and XLSX reports included) works as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import matplotlib as mpl

from qala.report import PdfUnavailable

PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"

FONT_DIR = Path(mpl.get_data_path()) / "fonts" / "ttf"
FACES = (
    ("DejaVu Sans", "normal", "normal", "DejaVuSans.ttf"),
    ("DejaVu Sans", "bold", "normal", "DejaVuSans-Bold.ttf"),
    ("DejaVu Sans", "normal", "italic", "DejaVuSans-Oblique.ttf"),
    ("DejaVu Sans Mono", "normal", "normal", "DejaVuSansMono.ttf"),
)


def font_faces() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(FONT_DIR / name).as_uri()}"); }}'
        for family, weight, style, name in FACES
    )


@cache
def pdf_unavailable() -> str | None:
    """None when WeasyPrint loads, else why not and what to install."""
    try:
        import weasyprint  # noqa: F401, PLC0415 - loads Pango through cffi: only when a PDF is wanted
    except OSError as exc:
        return (
            f"PDF needs Pango, which WeasyPrint cannot load ({exc}); "
            f"on Debian or Ubuntu: apt-get install {PANGO_PACKAGES}"
        )
    return None


def html_to_pdf(html: str, laid_out: Callable[[], None] | None = None) -> bytes:
    """The PDF of the report's print HTML; ``laid_out()`` is told when the pages are laid out (about three
    quarters of WeasyPrint's time) and only the writing of the file is left."""
    reason = pdf_unavailable()
    if reason:
        raise PdfUnavailable(reason)
    from weasyprint import CSS, HTML  # noqa: PLC0415
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    fonts = FontConfiguration()
    css = CSS(string=font_faces() + '\nhtml { font-family: "DejaVu Sans"; }', font_config=fonts)
    document = HTML(string=html).render(stylesheets=[css], font_config=fonts)
    if laid_out is not None:
        laid_out()
    return document.write_pdf()
