"""``scripts/bench``: throughput, latency and memory of the module against the ceilings of its stack.

Not installed with the package (see setup.cfg); run from a checkout with ``scripts/bench``.
"""
