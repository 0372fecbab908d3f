"""Console scripts (entry points in setup.cfg)."""
