"""Build clustermgr's built-in kOps field catalogue from the official kOps CRDs.

    python tools/build_schema.py --kops-crds DIR --kops-version 1.37.0-alpha.1

Reads every `kops.k8s.io_*.yaml` CRD in DIR, keeps the `v1alpha2` schema of each kind reduced
to what structural checking reads (names, types, enums, patterns, required fields; see
clustermgr/kops/crds.py) and writes clustermgr/kops/data/kops-fields.json, recording the kOps
version the CRDs came from. The CRDs are kOps' (Apache License 2.0); the catalogue is derived
from them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "clustermgr" / "kops" / "data" / "kops-fields.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kops-crds", type=Path, required=True)
    parser.add_argument("--kops-version", required=True)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from clustermgr.kops.crds import load_crds  # noqa: PLC0415  # after sys.path names this checkout

    schemas = load_crds(args.kops_crds)
    data = {
        "kopsVersion": args.kops_version,
        "source": "kOps CustomResourceDefinitions (k8s/crds), Apache License 2.0",
        "kinds": schemas,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes): {', '.join(sorted(schemas))}")


if __name__ == "__main__":
    main()
