"""The commands run without Django and without a database or data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.quality.helpers import DATA, load

ROOT = Path(__file__).resolve().parents[2]
YANXUN = Path(sys.executable).with_name("yanxun")


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["YANXUN_DATA_DIR"] = str(tmp_path / "does-not-exist" / "var")
    return env


def test_analyze_command_needs_no_django_and_no_data_folder(tmp_path):
    out = tmp_path / "out.json"
    result = subprocess.run(
        [str(YANXUN), "quality", "analyze", str(DATA / "golden_scores.csv"),
         "--full-marks", "语文=100,数学=100", "--json", str(out)],
        env=_environment(tmp_path), capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert load(out)["subjects"] == ["语文", "数学", "总分"]
    assert not (tmp_path / "does-not-exist").exists()


def test_neither_command_imports_django(tmp_path):
    script = (
        "import sys\n"
        "from yanxun.cli import main\n"
        f"code = main(['yanxun', 'quality', 'analyze', {str(DATA / 'golden_scores.csv')!r},"
        f" '--full-marks', '语文=100,数学=100', '--json', {str(tmp_path / 'a.json')!r}])\n"
        f"code += main(['yanxun', 'quality', 'value-added', '--intake',"
        f" {str(DATA / 'golden_intake.csv')!r}, '--outcome', {str(DATA / 'golden_outcome.csv')!r},"
        f" '--subject', '数学', '--json', {str(tmp_path / 'b.json')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(code, loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=_environment(tmp_path),
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 []"


def test_help_exits_cleanly(tmp_path):
    result = subprocess.run([str(YANXUN), "quality", "analyze", "-h"], env=_environment(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "--full-marks" in result.stdout and "科目=满分" in result.stdout
