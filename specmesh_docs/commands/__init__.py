"""One module per `specmesh` command: its arguments (`register`) and its `run`, as pre-commit and
Ruff lay theirs out. Modules import only argparse at the top; everything else inside `run`, so
`specmesh lint` starts without the Kafka client, Jinja2 or MkDocs."""

# the order `specmesh --help` lists them in
MODULES = ("show", "flatten", "lint", "rules", "diff", "provision", "export", "catalog", "sample", "chargeback",
           "verify", "request_access", "portal")
