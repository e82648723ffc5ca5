"""examples/python/quickstart.py, the two flows of the README, a redirect URL and an approval, runs as a user would run it."""

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
    assert "After accepting, Bob goes to https://app.acme.example.com/onboarding" in out
    assert "redirecting him to https://app.acme.example.com/onboarding" in out
    assert "Carol invites Dan; needs approval: True" in out
    assert "is awaiting_approval" in out
    assert "Carol cannot approve her own invitation (permission_denied)" in out
    assert "Alice approved it: pending" in out
    assert "invitation_approved" in out
