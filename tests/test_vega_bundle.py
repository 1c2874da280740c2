"""The vega bundle shipped with every site (``pvreport/assets/vega-bundle.js``) is a committed
file, made by vl-convert (a test dependency, not one pvreport needs to run): this test holds it
to what vl-convert makes for the Vega-Lite version the specs name.

After upgrading altair (a new Vega-Lite version) or vl-convert, regenerate it with
``.venv/bin/python tests/test_vega_bundle.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import vl_convert

from pvreport.site import charts

SHIPPED = Path(charts.__file__).parents[1] / "assets" / "vega-bundle.js"


def vega_bundle() -> str:
    """The script that draws interactive charts: vega, vega-lite and vega-embed in one file,
    shipped with the site (no CDN). It sets ``window.vegaEmbed``; the function wrapper keeps its
    other top-level names from clashing with the theme's scripts."""
    bundle = vl_convert.javascript_bundle(vl_version=charts.VEGA_LITE_VERSION)
    header = (
        f"/* Vega {vl_convert.get_vega_version()}, Vega-Lite {charts.VEGA_LITE_VERSION} and "
        f"Vega-Embed {vl_convert.get_vega_embed_version()} (BSD-3-Clause, the Vega project), with "
        "the libraries they use (d3 and others, each under its own permissive licence), bundled "
        "by vl-convert for pvreport. */\n"
    )
    return f"{header}(function () {{\n{bundle}\n}})();\n"


def test_vega_bundle_asset_is_the_generated_bundle() -> None:
    shipped = SHIPPED.read_text(encoding="utf-8")
    assert shipped == vega_bundle(), "regenerate it: .venv/bin/python tests/test_vega_bundle.py"
    assert "window.vegaEmbed=" in shipped
    assert not re.search(r"https?://[^\s\"')]*(cdn|unpkg|jsdelivr)", shipped)


if __name__ == "__main__":
    SHIPPED.write_text(vega_bundle(), encoding="utf-8")
    print(f"wrote {SHIPPED}", file=sys.stderr)
