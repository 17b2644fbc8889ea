"""Exports for other tools: the GPC reporting table (XLSX), a CDP-ICLEI-Track-style table (CSV), scenarios in the
IAMC format (CSV) and the technical information base as a Frictionless data package. Every text cell of every
CSV/XLSX export goes through :func:`qala.exports.safe.safe` (spreadsheet formula injection)."""
