"""Scale-out: scenario chunks on a Dask cluster, many cities, synthetic cities for scale tests."""
