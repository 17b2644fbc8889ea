"""docs/security.md documents every setting the hardening reads and every `qala user` command."""

import re
from pathlib import Path

from qala.commands.web_cmd import user_app

ROOT = Path(__file__).parent.parent
SECURITY = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
DEPLOYMENT = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_every_setting_read_by_the_code_is_documented() -> None:
    read = set()
    for path in (ROOT / "src" / "qala").rglob("*.py"):
        read |= set(re.findall(r"\"(QALA_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    assert {"QALA_JOB_SECONDS", "QALA_BACKUP_KEY"} <= read
    for setting in sorted(read):
        assert setting in SECURITY or setting in DEPLOYMENT, setting
    for setting in sorted(s for s in read if s.startswith(("QALA_JOB_", "QALA_BACKUP_"))):
        assert setting in SECURITY and setting in DEPLOYMENT, setting


def test_every_user_command_is_documented() -> None:
    names = [c.name for c in user_app.registered_commands]
    assert len(names) >= 9
    for name in names:
        assert f"qala user {name}" in SECURITY, name
    assert "--trust-unsigned" in SECURITY and "--trust-unsigned" in DEPLOYMENT
