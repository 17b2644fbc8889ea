"""Economics: annualised costs, abatement costs, the MACC and a least-cost portfolio (HiGHS)."""
