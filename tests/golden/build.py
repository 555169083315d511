"""The documents the golden test compares: the results JSON (with risk runs) and the assurance
JSON of the four examples, the results JSON of the 44 illustrative plans and the national
roll-up. Rebuild ``results.json.gz`` only for a deliberate change, and say which in the commit:

    python tests/golden/build.py tests/golden/results.json.gz
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from stpkit.assurance import assess
from stpkit.engine.model import prepare, run_plan
from stpkit.engine.risk import simulate, summarise
from stpkit.examples import example_paths
from stpkit.inputs.plan_file import load_plan
from stpkit.national.rollup import national_document, run_national
from stpkit.outputs.assurance import assurance_document
from stpkit.outputs.results import results_document
from stpkit.reference.footprints import load_footprints
from stpkit.reference.illustrative import illustrative_plan
from stpkit.reference.parameters import load_parameters

GOLDEN = Path(__file__).with_name("results.json.gz")
RISK_RUNS, RISK_SEED, KEEP = 300, 7, (0, 5)
CHECK_RUNS, CHECK_SEED = 200, 3


def documents() -> dict[str, Any]:
    params = load_parameters()
    out: dict[str, Any] = {}
    for name, path in example_paths().items():
        plan = load_plan(path, params)
        result = run_plan(plan, params)
        risk = summarise(simulate(prepare(plan, params), RISK_RUNS, RISK_SEED), result, KEEP)
        out[f"example:{name}"] = results_document(result, risk=risk)
        out[f"check:{name}"] = assurance_document(assess(plan, params, runs=CHECK_RUNS, seed=CHECK_SEED))
    for code in load_footprints():
        out[f"illustrative:{code}"] = results_document(run_plan(illustrative_plan(code, params), params))
    out["national"] = national_document(run_national(params))
    for document in out.values():
        document.pop("stpkit_version", None)
    return json.loads(json.dumps(out))  # tuples become lists, as in the stored file


def load_golden() -> dict[str, Any]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    with gzip.open(sys.argv[1], "wt", encoding="utf-8") as f:
        json.dump(documents(), f, sort_keys=True)
