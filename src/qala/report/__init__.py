"""The strategy report: one typed context gathered from the store and the services, written as HTML, PDF or XLSX.

``context`` gathers the numbers (nothing is computed here that the services already compute), ``charts`` draws
them as SVG with matplotlib, ``html`` renders the Jinja2 templates, ``pdf`` prints the HTML with WeasyPrint,
``xlsx`` writes one sheet per section and ``stamp`` makes the reproducibility stamp.
"""

from __future__ import annotations

from qala.services.scenario import STANDARD_DRAWS, STANDARD_SEED

LANGS = ("kk", "ru", "en")
FORMATS = ("html", "pdf", "xlsx")

REPORT_DRAWS = STANDARD_DRAWS  # Monte Carlo draws of every scenario in the report (stated): the web's and the API's
REPORT_SEED = STANDARD_SEED
MACC_YEAR = 2030
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PdfUnavailable(RuntimeError):
    """PDF cannot be made on this machine: WeasyPrint's system libraries (Pango) are missing."""
