"""The example configuration in config/ is what the README points people at: it must validate."""
import os
import subprocess

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
WAGBOT = os.environ.get("WAGBOT_BIN", os.path.join(ROOT, "build", "wagbot"))
EXAMPLE = os.path.join(ROOT, "config", "wagbot.example.yaml")


def test_example_config_validates_with_its_secret_set():
    env = dict(os.environ, WAGBOT_MATRIX_PASSWORD="example-only", WAGBOT_DISCORD_TOKEN="example-only",
               WAGBOT_NAS_MONITOR_KEY="wag_live_" + "A" * 43 + "=")
    done = subprocess.run([WAGBOT, "check-config", EXAMPLE], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "config ok: 2 host(s), 2 user(s)" in done.stdout


def test_example_config_names_the_missing_secret():
    env = {k: v for k, v in os.environ.items() if k != "WAGBOT_MATRIX_PASSWORD"}
    env["WAGBOT_NAS_MONITOR_KEY"] = "wag_live_" + "A" * 43 + "="
    done = subprocess.run([WAGBOT, "check-config", EXAMPLE], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "matrix.password_env" in done.stderr
    assert "WAGBOT_MATRIX_PASSWORD" in done.stderr


def test_example_planner_section_validates_when_uncommented(tmp_path):
    # The planner is off in the example; its commented section must work as written.
    lines = open(EXAMPLE).read().split("\n")
    start = lines.index("# planner:")
    block = ["planner:"]
    for line in lines[start + 1:]:
        if not line.startswith("#   "):
            break
        if not line.startswith("#   #"):
            block.append(line[1:])
    assert len(block) == 5, block
    for key in ("base_url", "model", "timeout", "max_actions", "api_key_env", "api_key_file", "ca_file"):
        assert any(key in l for l in lines[start:start + 12]), f"planner.{key} is not documented"
    config = tmp_path / "wagbot.yaml"
    config.write_text("\n".join(lines + block) + "\n")
    env = dict(os.environ, WAGBOT_MATRIX_PASSWORD="example-only", WAGBOT_DISCORD_TOKEN="example-only",
               WAGBOT_NAS_MONITOR_KEY="wag_live_" + "A" * 43 + "=")
    done = subprocess.run([WAGBOT, "check-config", str(config)], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
