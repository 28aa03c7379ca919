"""`import lucid` makes lucid.data and lucid.transforms usable (as `import torch` does torch.utils.data), and they
stay light: no torch, no viz, and the worker-process machinery only once a loader uses workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import lucid
after_lucid = set(sys.modules)
import lucid.data, lucid.transforms
ds = lucid.data.TensorDataset(lucid.arange(4))
list(lucid.data.DataLoader(ds, batch_size=2, shuffle=True))
lucid.transforms.Resize(2)(lucid.ones(3, 4, 4))
print(json.dumps({"new": sorted(set(sys.modules) - after_lucid), "all": sorted(sys.modules),
                  "data_in_lucid": "lucid.data" in after_lucid or "lucid.transforms" in after_lucid}))
"""


def test_imports_stay_light() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert modules["data_in_lucid"]
    heavy = [m for m in modules["all"] if m.split(".")[0] in ("torch", "torchvision", "viz")]
    assert heavy == []
    assert [m for m in modules["new"] if m.startswith("lucid.nn")] == []
    # the worker machinery loads only when a loader uses workers
    assert "lucid.data.pool" not in modules["new"]
