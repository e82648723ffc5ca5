"""examples/python/quickstart.py, the two flows of the README, runs as a user would run it."""

from __future__ import annotations

import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "quickstart.py"


def test_quickstart_runs() -> None:
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Join link (copy it if you like): https://acme.example.com/portal/join/ikinv_" in out
    assert "Bob joined as 'recruiter'" in out
    assert "(invitation_not_pending)" in out
    assert "Search 'jose': ['Logo redesign']" in out
    assert "Alice's options: ['viewer', 'participant', 'interviewer', 'hiring', 'full']" in out
    assert "invitation_accepted" in out
