"""The secrets scan that ends scripts/suites finds what it must (so it can fail) and passes over
what it must (redacted keys, files that are not wagbot's)."""
import pathlib
import subprocess
import sys
import tempfile

import pytest

SCAN = pathlib.Path(__file__).resolve().parents[1] / "secrets_scan.py"
KEY = "wag_live_" + "Ab3dE_fGh-" * 4 + "xyz="


@pytest.fixture
def tmp_path():
    """A folder outside the suites' own (pytest's tmp_path is where the real scan looks: a planted
    key there would be found by it)."""
    with tempfile.TemporaryDirectory(prefix="wagbot-scan-test-") as d:
        yield pathlib.Path(d)


def run(root):
    return subprocess.run([sys.executable, str(SCAN), str(root)], capture_output=True, text=True)


def test_a_key_in_a_wagbot_database_or_log_is_found(tmp_path):
    (tmp_path / "t1" / "data").mkdir(parents=True)
    (tmp_path / "t1" / "data" / "wagbot.db-wal").write_bytes(b"\x00junk" + KEY.encode() + b"\x01")
    (tmp_path / "t1" / "wagbot-run1.log").write_text("info fine\n")
    r = run(tmp_path)
    assert r.returncode == 1 and "wagbot.db-wal" in r.stdout, r.stdout + r.stderr
    assert KEY not in r.stdout  # the report itself shows only the start


def test_redacted_keys_and_other_files_pass(tmp_path):
    (tmp_path / "wagbot.db").write_bytes(b"sealed...")
    (tmp_path / "wagbot-run1.log").write_text("info saved your key wag_live_…xyz= for @nas\n")
    (tmp_path / "homeserver.db").write_text(KEY)  # the homeserver holds what people typed
    (tmp_path / "alice.key").write_text(KEY)      # a test's input
    r = run(tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_nothing_to_scan_is_an_error(tmp_path):
    assert run(tmp_path).returncode == 2


def test_canaries_and_recovery_keys_are_found_also_in_the_encryption_store(tmp_path):
    data = tmp_path / "t2" / "data"
    (data / "matrix-crypto").mkdir(parents=True)
    (data / "matrix-recovery-key").write_text("EsTc abcd efgh\n")  # where it belongs
    (data / "matrix-crypto" / "matrix-sdk-crypto.sqlite3").write_bytes(b"..e2ee-canary-0123abcd..")
    (tmp_path / "t2" / "wagbot-run1.log").write_text("warn the key is EsTc abcd efgh\n")
    r = run(tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "matrix-sdk-crypto.sqlite3: e2ee-canary" in r.stdout
    assert "wagbot-run1.log: a recovery key" in r.stdout


def test_a_key_body_without_its_prefix_in_a_reply_is_found(tmp_path):
    body = "Zx9" * 14 + "Q="
    (tmp_path / "replies").mkdir()
    (tmp_path / "replies" / "wagmios-keys-1.txt").write_text("wag_live_" + body + "\n")
    (tmp_path / "t3").mkdir()
    (tmp_path / "t3" / "shell-replies.txt").write_text(f"your key is {body[:30]}, take care\n")
    r = run(tmp_path)
    assert r.returncode == 1 and "shell-replies.txt: the body of a key" in r.stdout, r.stdout
    (tmp_path / "t3" / "shell-replies.txt").write_text(f"saved your key wag_live_…{body[-8:]}\n")
    assert run(tmp_path).returncode == 0
