"""Where the templates are: a writer's overrides in the content's ``_templates/`` folder,
then the project's own ``templates/``. No template engine here (``check`` needs none)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """The project's templates: inside an installed package, or beside ``src/`` in a checkout."""
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parents[1] / "templates"


def template_search_path(content_root: Path) -> list[Path]:
    return [content_root / "_templates", templates_dir()]


def template_file(content_root: Path, relative: str) -> Path:
    """A template file (a stylesheet) as the writer's override, else the project's own."""
    override = content_root / "_templates" / relative
    return override if override.is_file() else templates_dir() / relative
