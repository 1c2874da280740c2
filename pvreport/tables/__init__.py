"""Stage 1a, the tables: the one place that reads a package's files.

The gate (:mod:`.gate`) decides what may be opened, the limits (:mod:`.limits`) how much,
:mod:`.read` reads each CSV file one way (by column) and casts each cell once, :mod:`.moments`
reads ``embargo_until`` and holds the run's one clock. Nothing here imports the report model,
validation or the site (``tests/test_layout.py``).
"""
