"""The docs are kept true by tests: every command, subcommand and setting is documented in docs/, each
command's ``--help`` is quoted there as it is now, the README stays a short front page, and links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command

from qala.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted((ROOT / "docs").glob("*.md"))  # every page, including those other work adds
SETTING = re.compile(r"\bQALA_[A-Z0-9_]*[A-Z0-9]\b")


def _flat(text: str) -> str:
    """Markdown as plain words: block-quote markers dropped, white space collapsed."""
    return " ".join(re.sub(r"(?m)^\s*>\s?", "", text).split())


DOCS = _flat("\n".join(p.read_text(encoding="utf-8") for p in PAGES))


def _commands() -> list[tuple[str, str]]:
    """(``qala a b``, the first paragraph of its --help) for every command that runs something."""
    out = []

    def walk(cmd, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                walk(sub, [*path, name])
        else:
            out.append((" ".join(path), " ".join((cmd.help or "").strip().split("\n\n")[0].split())))

    walk(get_command(app), ["qala"])
    return out


COMMANDS = _commands()


def _settings() -> set[str]:
    """Every QALA_* name the code and the test suite read (found by searching them, not listed by hand)."""
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "scripts").glob("*")]
    files += [ROOT / "Makefile", ROOT / ".ci" / "run"]
    return {m for f in files if f.is_file() for m in SETTING.findall(f.read_text(encoding="utf-8", errors="replace"))}


def test_the_command_tree_is_found() -> None:
    names = [path for path, _ in COMMANDS]
    assert len(names) >= 30 and "qala import" in names and "qala scenario run" in names and "qala db upgrade" in names


@pytest.mark.parametrize(("command", "help_text"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_every_command_is_documented_with_its_current_help(command: str, help_text: str) -> None:
    assert f"`{command}" in DOCS, f"{command} is not in docs/*.md"
    assert help_text, f"{command} has no --help text"
    assert help_text in DOCS, f"docs/ should quote the --help of {command} as it is now: {help_text!r}"


def test_every_setting_is_documented() -> None:
    found = _settings()
    assert {"QALA_HOME", "QALA_DATABASE_URL", "QALA_USER", "QALA_DEBUG", "QALA_REQUIRE_POSTGRES"} <= found
    missing = sorted(s for s in found if f"`{s}" not in DOCS)
    assert not missing, f"settings not in docs/*.md: {missing}"
    assert "--database URL" in DOCS


def test_the_readme_is_a_short_front_page() -> None:
    assert len(README.encode("utf-8")) <= 10_000
    assert "make run" in README and "make test" in README and "make test-all" in README
    for package in ("postgresql", "chromium", "libpango-1.0-0", "poppler-utils", "wrk", "fonts-dejavu-core"):
        assert f"`{package}`" in README, package  # the system packages are named on the front page
    system = (ROOT / "scripts" / "system-packages.sh").read_text(encoding="utf-8")
    for package in re.findall(r'^\s*"([a-z0-9.+-]+)\|(?:run|test)\|', system, re.M):
        assert f"`{package}`" in README, f"{package} is installed by make test but not named in the README"


@pytest.mark.parametrize("page", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_quickstart_commands_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun:" in makefile and "\ntest:" in makefile and "\ntest-all:" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test-all" in ci  # CI runs the README's command, slow tests included
    assert "QALA_REQUIRE_POSTGRES=1" in ci and "QALA_REQUIRE_BROWSER=1" in ci
