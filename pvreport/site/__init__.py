"""Stages 5 to 10, the site: charts (:mod:`.axes`, :mod:`.charts`, :mod:`.svg`), pages
(:mod:`.render`), files (:mod:`.write`), the engine (:mod:`.engine`), the final check
(:mod:`.check`) and the MkDocs plugin (:mod:`.mkdocs_plugin`). Reads the report model and the
tables, never validation (``tests/test_layout.py``).
"""

#: The engines pvreport can run (``pvreport build --engine``, plugin option ``engine``), and the
#: default. Here rather than in :mod:`.engine`, so that the command line lists them without
#: importing the engine's module (``pvreport validate`` needs none of it).
ENGINES = ("mkdocs", "zensical")
DEFAULT = "mkdocs"
