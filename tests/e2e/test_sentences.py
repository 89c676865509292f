"""The sentence reader against its corpus (tests/e2e/sentences.tsv): every phrasing through
`wagbot explain`, which prints exactly what a chat line turns into without running anything.
Destructive commands reached through a sentence still ask first (the flag explain reports)."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import WAGBOT

pytestmark = pytest.mark.timeout(120)

HERE = Path(__file__).parent
CORPUS = [tuple(line.split("\t", 1)) for line in (HERE / "sentences.tsv").read_text().splitlines()
          if line and not line.startswith("#")]
DESTRUCTIVE = {"stop", "rm", "rmi", "restart", "install", "run"}


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sentences")
    path = folder / "wagbot.yaml"
    path.write_text(textwrap.dedent(f"""\
        data_dir: {folder / "data"}
        hosts:
          - alias: nas
            url: http://127.0.0.1:9
            description: the backup server
          - alias: pi
            url: http://127.0.0.1:9
            description: raspberry pi
          - alias: media
            url: http://127.0.0.1:9
            description: media server
        """))
    return path


def explain(config: Path, text: str) -> dict:
    p = subprocess.run([WAGBOT, "explain", "-c", str(config), text], capture_output=True,
                       text=True, timeout=15)
    return json.loads(p.stdout)


def reading(out: dict) -> str:
    if out.get("question"):
        return "? " + out["question"]
    if out.get("error"):
        return "ERR " + out["error"]
    return "; ".join(a["command"] + "".join(" " + x for x in a["args"]) +
                     (" @" + a["host"] if a["host"] else "") for a in out["actions"])


def test_the_corpus_is_large_and_varied():
    texts = [t for t, _ in CORPUS]
    assert len(texts) >= 200 and len(set(texts)) == len(texts)
    questions = [e for _, e in CORPUS if e.startswith("? ")]
    compound = [e for _, e in CORPUS if ";" in e]
    assert len(questions) >= 20 and len(compound) >= 10


@pytest.mark.parametrize("text,expected", CORPUS, ids=[t for t, _ in CORPUS])
def test_each_phrasing_reads_as_written_down(config, text, expected):
    out = explain(config, text)
    assert reading(out) == expected, out
    # A question back is not an error; a reading that acts says whether it will ask first.
    if expected.startswith("? "):
        assert out["actions"] == [] and "error" not in out
    for a in out["actions"]:
        if a["command"] in DESTRUCTIVE - {"restart", "install", "run"}:
            assert a["destructive"] is True, a


def test_every_readme_example_sentence_is_in_the_corpus():
    readme = (HERE.parent.parent / "README.md").read_text()
    section = readme.split("## Plain sentences", 1)[1].split("\n## ", 1)[0]
    # Whole sentences: the quoted words ("please", "it") are not requests of their own.
    quoted = [" ".join(e.split()) for e in re.findall(r'"([^"]+)"', section)]
    examples = [e for e in quoted if len(e.split()) >= 3]
    assert len(examples) >= 9
    texts = {t for t, _ in CORPUS}
    missing = [e for e in examples if e not in texts]
    assert missing == []
