"""The package as typed users see it: `mypy --strict` (Debian's python3-mypy)
passes over the package and its stubs, the README's Python example (kept in
python/tests/typed/readme_example.py, checked here against the README),
examples/python/*.py and a typed client (python/tests/typed/client.py); any
mypy error fails. The two typed files are also run, so they stay true."""

import importlib.util
import os
import pathlib
import re
import runpy
import subprocess
import sys

import pytest

PYTHON_DIR = pathlib.Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
TYPED = PYTHON_DIR / "tests" / "typed"
README_MARKER = "# --- README.md's example, verbatim ---\n"


def _readme_example() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("\n## Python\n") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md's Python section has no python block"
    return match.group(1)


def test_readme_example_copy_is_the_readme_block():
    copy = (TYPED / "readme_example.py").read_text()
    assert README_MARKER in copy
    assert copy.split(README_MARKER, 1)[1] == _readme_example(), (
        "python/tests/typed/readme_example.py differs from README.md's Python "
        "example: copy the block below the marker"
    )


def _checked_files():
    files = [PYTHON_DIR / "holdfast", TYPED / "readme_example.py", TYPED / "client.py"]
    files += sorted((REPO / "examples" / "python").glob("*.py"))
    return files


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason=f"mypy is not installed for {sys.executable} (apt-get install python3-mypy)",
)
def test_mypy_strict_passes(tmp_path):
    env = dict(os.environ, MYPYPATH=str(PYTHON_DIR))
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path)]
    command += [str(path) for path in _checked_files()]
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"mypy --strict failed:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout


def test_typed_client_runs():
    runpy.run_path(str(TYPED / "client.py"), run_name="__main__")


def test_readme_example_runs():
    namespace = runpy.run_path(str(TYPED / "readme_example.py"))
    sale = namespace["sale"]
    stats = sale.stats()
    # Two units for buyer 7 and, when the noon cycle is open, two more for 8;
    # a clock before noon answers NOT_OPEN to both.
    assert stats.sold_units in (0, 4) and stats.live_holds == 0
