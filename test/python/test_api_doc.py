"""docs/api.md lists exactly the public names of mlax's modules."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_api_doc_is_current():
    spec = importlib.util.spec_from_file_location(
        "gen_api_doc", ROOT / "scripts" / "gen_api_doc.py"
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "api.md").read_text() == gen.render(), (
        "docs/api.md is stale: run `python scripts/gen_api_doc.py`"
    )
