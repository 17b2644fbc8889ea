"""The README documents every command and setting (tests enforce the docs)."""

from pathlib import Path

from qala.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert len(names) >= 8
    for name in names:
        assert f"qala {name}" in README, name


def test_every_setting_is_in_the_readme() -> None:
    for setting in ("QALA_HOME", "QALA_DATABASE_URL", "QALA_USER", "QALA_DEBUG", "--database"):
        assert setting in README, setting


def test_quickstart_commands_exist() -> None:
    makefile = (Path(__file__).parent.parent / "Makefile").read_text(encoding="utf-8")
    assert "make run" in README and "make test" in README
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
