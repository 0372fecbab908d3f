"""Load for real processes: realistic rows and request bodies, an HTTP load generator, a scale-out set-up.

Shared by the scale-out test (``tests/reliability/test_scale_out.py``) and the benchmark (``scripts/bench``).
"""
