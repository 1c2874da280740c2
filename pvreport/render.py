"""The sanitiser's old name, kept so that an existing site's mkdocs.yml still builds.

``markdown_extensions: [pvreport.render]`` was how a site named pvreport's Markdown extension
before it moved to :mod:`pvreport.site.render`. Python-Markdown imports the module a config
names and calls its ``makeExtension``; this one hands over the same extension. New configs
(and the one ``pvreport build`` writes) name ``pvreport.site.render``. Nothing else lives here:
import pvreport's code from its stage (``tests/test_layout.py``).
"""

from .site.render import makeExtension

__all__ = ["makeExtension"]
