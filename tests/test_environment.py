"""environment.yml (for conda users) says what pyproject.toml says (#42 item 7): every
dependency of the core and of the extras a user of the book needs, at the same lower bound."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("book", "batch", "fetch", "jax", "notebook", "dev")


def _bounds(specs) -> dict[str, str]:
    out = {}
    for s in specs:
        m = re.match(r'^"?([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*([<>=!~][^"#]*)?', str(s).strip())
        if m and not m.group(1).startswith("mrcnn-core") and m.group(1) not in ("python", "pip"):
            out[m.group(1).lower()] = (m.group(3) or "").strip().strip('"')
    return out


def test_environment_yml_matches_pyproject():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    want = _bounds(proj["dependencies"])
    for extra in EXTRAS:
        want.update(_bounds(proj["optional-dependencies"][extra]))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip = next(d["pip"] for d in env if isinstance(d, dict))
    have = _bounds([d.replace("=", "==", 1) if re.match(r"^[a-z].*[^<>=!]=[0-9]", d) else d
                    for d in env if isinstance(d, str)] + [p for p in pip if not p.startswith("-e")])
    missing = {k: v for k, v in want.items() if k not in have}
    assert not missing, f"environment.yml lacks {missing}"
    differ = {k: (v, have[k]) for k, v in want.items() if have[k] != v}
    assert not differ, f"environment.yml bounds differ from pyproject.toml: {differ}"
    assert proj["optional-dependencies"]["notebook"][0].startswith("jupyterlab")
