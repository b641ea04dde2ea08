"""`check` shares the bodies out over processes and loads only what it runs; neither may change
a body, a diagnostic or the order of the report (speed itself is measured by `make bench`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from atlas_publish import bodies
from atlas_publish.errors import ContentError
from atlas_publish.pipeline import Checked, check
from atlas_publish.sample import generate_sample

ARTICLES = 2 * bodies.PER_PROCESS + 40  # enough for check to share the work out


@pytest.fixture(scope="module")
def large_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("large") / "content"
    generate_sample(root, articles=ARTICLES)
    return root


def record_renderers(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Records, in ``folder``, each process that renders bodies (forked ones included)."""
    render = bodies._render

    def recorded(*args: object) -> bodies.Rendered:
        (folder / str(os.getpid())).touch()
        return render(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bodies, "_render", recorded)


def shown(checked: Checked) -> tuple[object, ...]:
    return (
        {n: (b.html, b.images, b.tag_tables) for n, b in checked.bodies.items()},
        dict(checked.refers_to),
        [str(w) for w in checked.warnings],
    )


def test_shared_out_bodies_are_those_of_one_process(
    large_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = check(large_tree, jobs=1)
    record_renderers(monkeypatch, tmp_path)
    shared = check(large_tree, jobs=2)
    assert len(list(tmp_path.iterdir())) == 2, "the bodies were not shared out"
    assert shown(shared) == shown(alone)
    assert len(shared.bodies) == ARTICLES


def test_shared_out_check_reports_every_fault_once_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "content"
    generate_sample(tree, articles=ARTICLES)
    # A broken reference in the first and the last volume (rendered by different processes),
    # and an expression that fails.
    articles = sorted(tree.glob("*/*/*.md"))
    for path, line in ((articles[0], "See [](article:8.999999)."), (articles[-1], "{{ nope() }}")):
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    with pytest.raises(ContentError) as one:
        check(tree, jobs=1)
    (tmp_path / "pids").mkdir()
    record_renderers(monkeypatch, tmp_path / "pids")
    with pytest.raises(ContentError) as two:
        check(tree, jobs=2)
    assert len(list((tmp_path / "pids").iterdir())) == 2
    found = [str(d) for d in two.value.diagnostics]
    assert found == [str(d) for d in one.value.diagnostics]
    assert len(found) == 2
    assert re.match(rf"{re.escape(str(articles[0]))}:\d+: error\[E040\]", found[0])
    assert re.match(rf"{re.escape(str(articles[-1]))}:\d+: error\[E050\]", found[1])


ENGINES = ("jinja2", "weasyprint", "ebooklib", "pikepdf", "PIL", "num2words", "stdnum")


def test_check_loads_no_engine_a_tree_does_not_need(large_tree: Path) -> None:
    """A tree without expressions, pictures, ISBNs or template overrides is checked without
    the template engine, the typesetter, the EPUB and PDF libraries or Pillow."""
    code = (
        "import sys\n"
        "from atlas_publish.cli import main\n"
        f"assert main(['check', '--content', {str(large_tree)!r}]) == 0\n"
        f"print(sorted(m for m in {ENGINES!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_inside_follows_links_and_never_a_name_prefix(tmp_path: Path) -> None:
    """`inside` (asked of every file `check` reads) compares real paths as strings: a folder
    whose name merely starts with the root's is outside, links are followed, a loop is not in."""
    from atlas_publish.content.files import inside

    root = tmp_path / "content"
    (root / "1-volume").mkdir(parents=True)
    article = root / "1-volume" / "a.md"
    article.write_text("x")
    sibling = tmp_path / "content-other" / "b.md"
    sibling.parent.mkdir()
    sibling.write_text("y")
    (root / "out.md").symlink_to(sibling)
    (root / "in.md").symlink_to(article)
    (root / "loop.md").symlink_to(root / "loop.md")
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(root)
    assert inside(article, root) and inside(root, root) and inside(root / "in.md", root)
    assert inside(linked_root / "1-volume" / "a.md", root) and inside(article, linked_root)
    assert not inside(sibling, root) and not inside(root / "out.md", root)
    assert not inside(root / "loop.md", root) and not inside(root / "a\0b", root)
    assert inside(root / "missing.md", root)  # not there yet: reading it says so
    assert inside(article, Path("/"))
