"""The tests' one set of factories.

* ``tests.factories.rows``   - ORM builders taking a session (flushed, not committed):
  regions, stores, categories, models, serials, users, files, products, promotions.
* ``tests.factories.flows``  - customers, products, sessions and claims in each status,
  made through the services (claims only through ``services.claims``' transitions:
  submit, decide, resubmit, ship).
* ``tests.factories.images`` - test image bytes.

Only ``tests/unit/test_invariants.py`` builds a ``Redemption`` row by hand: its
purpose is to show the database itself refuses an invalid row.
"""
