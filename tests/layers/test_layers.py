"""The layers of DESIGN.md are CMake libraries, each seeing only the headers of the layers it may
depend on: an upward include must fail to build. Each case compiles a one-line probe with the exact
command the build uses for a real source file of the lower layer (from compile_commands.json), so
the check breaks as soon as a layer's include path grows. Every refused include has an allowed twin
that must compile, so the test cannot pass by failing everything."""
import json
import os
import pathlib
import re
import shlex
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("WAGBOT_BUILD", ROOT / "build"))

# (a source file of the layer, a header it may include, a header above it that it may not)
CASES = [
    ("src/protocol/wagmios.cpp", "wagbot/protocol/error.hpp", "wagbot/core/reply.hpp"),
    ("src/core/policy.cpp", "wagbot/protocol/wagmios.hpp", "wagbot/store/database.hpp"),
    ("src/core/policy.cpp", "wagbot/core/reply.hpp", "wagbot/net/http_client.hpp"),
    ("src/core/policy.cpp", "wagbot/core/transport.hpp", "wagbot/app/dispatcher.hpp"),
    ("src/net/url.cpp", "wagbot/net/tls.hpp", "wagbot/core/log.hpp"),
    ("src/store/kv_store.cpp", "wagbot/store/database.hpp", "wagbot/core/policy.hpp"),
    ("src/wagmios/client.cpp", "wagbot/net/http_client.hpp", "wagbot/store/key_store.hpp"),
    ("src/shell/shell.cpp", "wagbot/core/conversation.hpp", "wagbot/app/engine.hpp"),
    ("src/shell/shell.cpp", "wagbot/core/conversation.hpp", "wagbot/store/inbox.hpp"),
    ("src/matrix/outbox.cpp", "wagbot/net/http_client.hpp", "wagbot/store/inbox.hpp"),
    ("src/discord/render.cpp", "wagbot/core/reply.hpp", "wagbot/store/alert_actions.hpp"),
    ("src/matrix/outbox.cpp", "wagbot/matrix/config.hpp", "wagbot/app/config.hpp"),
    ("src/discord/render.cpp", "wagbot/discord/config.hpp", "wagbot/app/dispatcher.hpp"),
    ("src/alerts/router.cpp", "wagbot/store/subscriptions.hpp", "wagbot/matrix/bot.hpp"),
    ("src/alerts/router.cpp", "wagbot/alerts/config.hpp", "wagbot/app/config.hpp"),
]


def compile_command(source: str) -> list[str]:
    db = BUILD / "compile_commands.json"
    if not db.exists():
        pytest.fail(f"{db} is missing: build first (scripts/build)")
    for entry in json.loads(db.read_text()):
        if pathlib.Path(entry["file"]).resolve() == (ROOT / source).resolve():
            return shlex.split(entry["command"]), entry["directory"]
    pytest.fail(f"{source} is not in {db}")


def probe(source: str, header: str, tmp_path) -> subprocess.CompletedProcess:
    words, directory = compile_command(source)
    file = tmp_path / "probe.cpp"
    file.write_text(f'#include "{header}"\n')
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("-o", "-c"):
            skip = True
            continue
        if w.startswith("-M") or w in ("-MD",):  # dependency files
            if w in ("-MF", "-MT", "-MQ"):
                skip = True
            continue
        out.append(w)
    return subprocess.run(out + ["-fsyntax-only", str(file)], cwd=directory, capture_output=True, text=True)


@pytest.mark.parametrize("source,allowed,above", CASES)
def test_an_upward_include_does_not_build(source, allowed, above, tmp_path):
    ok = probe(source, allowed, tmp_path)
    assert ok.returncode == 0, f"{allowed} should build from {source}:\n{ok.stderr}"
    refused = probe(source, above, tmp_path)
    assert refused.returncode != 0, f"{above} builds from {source}: the layer sees too much"
    assert re.search(re.escape(above) + r".*No such file", refused.stderr), refused.stderr


def test_beast_is_included_in_net_only():
    found = []
    for folder in ("src", "include", "commands"):
        for path in (ROOT / folder).rglob("*.[ch]pp"):
            rel = path.relative_to(ROOT).as_posix()
            if "/net/" in rel:
                continue
            if re.search(r"#include\s*[<\"]boost/beast", path.read_text()):
                found.append(rel)
    assert found == [], f"Boost.Beast outside net/: {found}"
