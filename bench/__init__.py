"""Benchmarks: each ``bench_*.py`` module has a ``main()`` that measures against a
baseline in the same run and returns 0 when its goals hold.  Run them all with
``python -m bench`` (``make bench``), or some with ``python -m bench upload``."""
