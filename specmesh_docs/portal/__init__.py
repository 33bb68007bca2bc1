"""The portal: sources -> estate -> page contexts -> Jinja2 templates -> Markdown -> mkdocs build."""
