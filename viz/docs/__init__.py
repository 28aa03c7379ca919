"""The docs generator: model pages from the registry, the models' docstrings and cards, and traced charts.

`generate_docs(Path("docs"))` regenerates the committed pages and `generate_docs(Path("docs"), check=True)`
lists those that are out of date ([] when current); both trace every registered model. The same steps for one
model:

>>> from viz.docs import collect_site, render_pages
>>> pages = render_pages(collect_site(names=["efficientformer_l1"]))
>>> for path in pages:
...     print(path)
getting-started.md
guide.md
index.md
models/efficientformer/config.md
models/efficientformer/efficientformer_l1.md
models/efficientformer/index.md
"""

from viz.docs.build import generate_docs, render_pages, template_dir
from viz.docs.collect import collect_site

__all__ = ["collect_site", "generate_docs", "render_pages", "template_dir"]
