"""Stages 2 to 4, the report: the model (:mod:`.model`, :mod:`.periods`), built from the tables
(:mod:`.load`), with confidential and embargoed rows withheld (:mod:`.visibility`) and statuses
derived (:mod:`.derive`, worded by :mod:`.formatting`). Imports the tables, never validation or
the site (``tests/test_layout.py``).
"""
