"""MkDocs hooks for this repo's mkdocs.yml: plain `mkdocs build` / `mkdocs serve` generate the
portal from the sources under `extra.specmesh` (the glue lives in the package)."""

from specmesh_docs.portal.hook import on_config, on_files, on_post_build  # noqa: F401
