"""One mistake, one message, and the file's own fault first (issue 16)."""

from __future__ import annotations

import argparse
import contextlib
import html
import re
import signal
import socket
import subprocess
import sys
import threading
import tomllib
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from atlas_publish import serve as serve_module
from atlas_publish.cli import _parser, main
from atlas_publish.errors import ContentError
from atlas_publish.pipeline import check
from atlas_publish.serve import serve

from .conftest import Tree


def messages(tree: Tree) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    return [str(d).replace(str(tree.root), "content") for d in caught.value.diagnostics]


def test_a_broken_article_is_still_there_for_references_and_its_fault_comes_first(
    small_tree: Tree,
) -> None:
    # Volume 2's article has a typo in a field; volume 1 has a reference that is truly broken.
    small_tree.article(
        "2.010101",
        "Back to [](article:1.010101).\n",
        front='number: "2.010101"\ntitel: Closing Time\nsummary: Endings matter.\n',
    )
    small_tree.article("1.010103", "See [](article:9.999999).\n", slug="stray")
    found = messages(small_tree)
    assert found == [
        "content/2-volume-2/01-chapter-01/2.010101-an-article.md:3: error[E012]: "
        "unknown field 'titel'; did you mean 'title'?",
        "content/1-volume-1/01-chapter-01/1.010103-stray.md:6: error[E040]: "
        "reference to article 9.999999, which does not exist; check the number",
    ]


def test_broken_yaml_names_the_line_where_the_list_was_opened(small_tree: Tree) -> None:
    small_tree.article(
        "1.010103",
        front='number: "1.010103"\ntitle: T\nsummary: S.\nkeywords: [A, B\nstages: [6]\n',
    )
    [message] = messages(small_tree)
    assert message.startswith("content/1-volume-1/01-chapter-01/1.010103-an-article.md:5: ")
    assert "a '[' here is not closed with ']'" in message


# --- serve: the same faults as check, on every page; a busy port is one line ------------------


@contextlib.contextmanager
def serving(
    tree: Tree, port: int = 0, report: Callable[[str], None] = print, strict: bool = False
) -> Iterator[str]:
    stop = threading.Event()
    ports: list[int] = []
    ready = threading.Event()

    def on_ready(port: int) -> None:
        ports.append(port)
        ready.set()

    thread = threading.Thread(
        target=serve,
        args=(tree.root, port),
        kwargs={"ready": on_ready, "stop": stop, "report": report, "strict": strict},
    )
    thread.start()
    try:
        assert ready.wait(20)
        yield f"http://127.0.0.1:{ports[0]}"
    finally:
        stop.set()
        thread.join(10)


def errors_shown(url: str) -> list[str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode()
    found = re.search(r'<pre class="atlas-errors">(.*?)</pre>', page, re.S)
    assert found, page
    return [html.unescape(line) for line in found.group(1).splitlines()]


def test_serve_shows_every_fault_of_the_tree_on_each_page_its_own_first(
    small_tree: Tree,
) -> None:
    small_tree.article(  # chapter 2.01: a typo in a field; 1.01's articles link to it
        "2.010101",
        "Back to [](article:1.010101).\n",
        front='number: "2.010101"\ntitel: Closing Time\nsummary: Endings matter.\n',
    )
    small_tree.article("1.010103", "See [](article:9.999999).\n", slug="stray")
    typo = "2.010101-an-article.md:3: error[E012]: unknown field 'titel'"
    stray = "1.010103-stray.md:6: error[E040]: reference to article 9.999999"
    log: list[str] = []
    with serving(small_tree, report=log.append) as url:
        first = errors_shown(url + "/chapter/1.01")
        second = errors_shown(url + "/chapter/2.01")
        index = errors_shown(url + "/")
        # the web edition's pages too: a chapter's, an article's
        web_chapter = errors_shown(url + "/2.01/")
        web_article = errors_shown(url + "/1.010103/")
    assert len(first) == len(second) == len(index) == len(web_chapter) == len(web_article) == 2
    assert stray in first[0] and typo in first[1]
    assert typo in second[0] and stray in second[1]
    assert typo in web_chapter[0] and stray in web_article[0]
    assert "checked" in log[0] and "2 error(s), 0 warning(s)" in log[0]
    with pytest.raises(ContentError) as caught:
        check(small_tree.root)
    assert len(caught.value.diagnostics) == 2  # the log counts as check does


def test_a_busy_port_takes_the_next_one_and_says_which(small_tree: Tree) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        log: list[str] = []
        with serving(small_tree, port, report=log.append) as url:
            assert not url.endswith(f":{port}")
    assert any(f"port {port} is in use" in line and "using port" in line for line in log), log


def test_no_free_port_is_one_line_without_a_traceback(
    small_tree: Tree, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(serve_module, "PORT_TRIES", 1)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "--content", str(small_tree.root), "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        f"atlas-publish serve: ports {port}-{port} are all in use; stop the other server "
        "or choose a free port with --port N"
    ]


# --- the command line: --version, help for every option, exit codes -------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert re.fullmatch(r"atlas-publish \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_every_option_of_every_command_has_help() -> None:
    parser = _parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, command in commands.choices.items()
        for action in command._actions
        if not action.help
    ]
    assert missing == []


def test_strict_applies_to_serve_and_preview(small_tree: Tree, tmp_path: Path) -> None:
    chapter = next(small_tree.root.glob("1-*/01-*"))
    (chapter / "notes.txt").write_text("not an article")  # a warning: W001, ignored file
    root = str(small_tree.root)
    assert main(["preview", "1.01", "--content", root, "--out", str(tmp_path), "--strict"]) == 1
    assert not (tmp_path / "preview").exists()
    assert main(["preview", "1.01", "--content", root, "--out", str(tmp_path)]) == 0
    log: list[str] = []
    with serving(small_tree, report=log.append, strict=True) as url:
        assert [line.split(": ", 2)[1] for line in errors_shown(url + "/")] == ["error[W001]"]
    assert "1 error(s), 0 warning(s)" in log[0]


def test_make_help_lists_every_target() -> None:
    root = Path(__file__).parent.parent
    makefile = (root / "Makefile").read_text()
    phony = {t for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.M) for t in line.split()}
    shown = subprocess.run(
        ["make", "--no-print-directory", "-C", str(root), "help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = set(re.findall(r"^  make (\S+)", shown, re.M))
    assert phony <= listed, phony - listed


def test_building_needs_no_test_tools() -> None:
    """make pdf/epub/dist install the project's dependencies; only make test adds these."""
    root = Path(__file__).parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"])
    for tool in ("pytest", "playwright", "hypothesis", "ruff", "mypy"):
        assert tool not in base
    extras = project["optional-dependencies"]
    assert {"pytest", "playwright"} <= {re.split(r"[<>=\[]", d)[0] for d in extras["test"]}


def test_strict_applies_to_proof(
    small_tree: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chapter = next(small_tree.root.glob("1-*/01-*"))
    (chapter / "notes.txt").write_text("not an article")  # a warning: W001, ignored file
    args = ["proof", "--content", str(small_tree.root), "--out", str(tmp_path / "out")]
    assert main([*args, "--strict"]) == 1
    assert "error[W001]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ctrl_c_stops_the_server_quietly(small_tree: Tree) -> None:
    command = [sys.executable, "-m", "atlas_publish.cli", "serve", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--content", str(small_tree.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as on a terminal
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # the server says when it listens
            if line.startswith("serving "):
                break
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0
    assert rest.splitlines() == ["stopped serving"]
