"""Array routines NumPy does not provide, written on NumPy."""
