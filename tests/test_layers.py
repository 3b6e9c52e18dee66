"""The layer rule of DESIGN.md holds, and the check really catches a violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_layer_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_core_module_importing_textual_breaks_the_check(tmp_path):
    shutil.copytree(ROOT / "ttai_tui", tmp_path / "ttai_tui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "ttai_tui" / "core" / "_bad.py").write_text("import textual\nfrom ttai_tui import ui\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "ttai_tui.core._bad" in result.stdout
