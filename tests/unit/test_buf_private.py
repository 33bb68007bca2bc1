"""buf never reads a configuration it did not write: the pytest plugin's Protobuf step and the diff's
buf check run in a private folder with their own buf.yaml, whatever a shared temp dir's parent holds
(anyone may write /tmp/buf.yaml)."""

from __future__ import annotations

import tempfile

from specmesh_docs.compat import problems
from specmesh_docs.model.schemas import Schema

PROTO = 'syntax = "proto3";\npackage acme;\nmessage Order {\n  string id = 1;\n}\n'
HOSTILE = "version: v2\nmodules:\n  - path: .\nbreaking:\n  use: [FILE]\n"  # claims every folder below it


def test_the_plugins_protobuf_compile_ignores_a_buf_yaml_above_its_temp_dir(tmp_path, monkeypatch):
    from specmesh_docs.testing import _protobuf_serde

    (tmp_path / "buf.yaml").write_text(HOSTILE)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    serialize = _protobuf_serde(1, PROTO, "acme.Order", write=True)
    assert serialize is not None


def test_the_diffs_buf_check_ignores_a_buf_yaml_above_its_temp_dir(tmp_path, monkeypatch):
    (tmp_path / "buf.yaml").write_text(HOSTILE)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = Schema("protobuf", [], document=PROTO)
    renamed = Schema("protobuf", [], document=PROTO.replace("string id = 1;", "string order_id = 1;"))
    assert problems("FULL", [old], renamed) == []  # WIRE: a rename is compatible (FILE would say breaking)
