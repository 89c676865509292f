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
