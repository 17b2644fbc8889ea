"""The report as PDF through WeasyPrint, with an embedded font that has every Kazakh letter.

The font is DejaVu Sans as shipped inside matplotlib (a dependency already, with its licence,
``matplotlib/mpl-data/fonts/ttf/LICENSE_DEJAVU``), so the PDF does not depend on the fonts of the system:
without a Cyrillic font WeasyPrint would print empty boxes for ә ғ қ ң ө ұ ү һ і without an error.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

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


def html_to_pdf(html: str) -> bytes:
    fonts = FontConfiguration()
    css = CSS(string=font_faces() + '\nhtml { font-family: "DejaVu Sans"; }', font_config=fonts)
    return HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)
