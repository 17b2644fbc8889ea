"""Ecological state assessment (indicators against benchmarks), co-benefits, and strategic documents."""
