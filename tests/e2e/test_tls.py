"""HTTPS to a WAGMIOS host: a private CA, a pinned certificate, and the failures a user meets
when neither matches. The simulator serves real TLS (Python's ssl) with certificates made
here by the openssl command line."""
import hashlib
import os
import ssl
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "sim"))
from control import SimControl, start_simulator, stop_simulator  # noqa: E402

WAGBOT = os.environ.get("WAGBOT_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "wagbot"))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certs(folder, san):
    """A CA, and a server certificate for `san` signed by it."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=wagbot test CA", cwd=folder)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=wagmios", cwd=folder)
    with open(os.path.join(folder, "ext.cnf"), "w") as f:
        f.write(f"subjectAltName={san}\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=folder)


def fingerprint(pem_path):
    with open(pem_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


@pytest.fixture(scope="module")
def tls_sim(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    make_certs(str(folder), "IP:127.0.0.1")
    wrong = tmp_path_factory.mktemp("tls-wrong-name")
    make_certs(str(wrong), "DNS:elsewhere.example")
    procs = []
    sims = {}
    for name, certs in (("good", folder), ("misnamed", wrong)):
        proc, info = start_simulator(["nas"], extra_args=[
            "--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server.key")])
        procs.append(proc)
        control = SimControl(info["control"])
        key = control.add_key("nas", label="alice", scopes=["*"])["key"]
        sims[name] = {"url": info["hosts"]["nas"], "control": control, "key": key, "certs": certs}
    yield sims
    for proc in procs:
        stop_simulator(proc)


def run_shell(tmp_path, host_block, key, lines):
    keyfile = tmp_path / "alice.key"
    keyfile.write_text(key)
    os.chmod(keyfile, 0o600)
    config = tmp_path / "wagbot.yaml"
    config.write_text(
        "data_dir: ./data\n"
        "hosts:\n" + host_block +
        "users:\n  - name: alice\n    shell: alice\n    keys: [{host: nas, key_file: alice.key}]\n")
    done = subprocess.run([WAGBOT, "shell", "-c", str(config), "--as", "alice"],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    return done.stdout, done.stderr, done.returncode


def test_https_with_private_ca(tls_sim, tmp_path):
    sim = tls_sim["good"]
    assert sim["url"].startswith("https://")
    block = f"  - alias: nas\n    url: {sim['url']}\n    ca_file: {sim['certs'] / 'ca.pem'}\n"
    out, err, code = run_shell(tmp_path, block, sim["key"], ["ps @nas"])
    assert code == 0, err
    assert "containers on @nas" in out
    assert "nginx" in out


def test_https_untrusted_certificate_is_refused_without_sending_the_key(tls_sim, tmp_path):
    sim = tls_sim["good"]
    sim["control"].clear_requests("nas")
    block = f"  - alias: nas\n    url: {sim['url']}\n"   # system CAs do not know our test CA
    out, err, code = run_shell(tmp_path, block, sim["key"], ["ps @nas", "help ps"])
    assert code == 0
    assert "Could not talk securely to @nas" in out
    assert "Usage" in out or "ps [@host|all]" in out   # the bot keeps answering
    assert sim["control"].requests("nas") == []           # no request reached the host


def test_pinned_certificate(tls_sim, tmp_path):
    sim = tls_sim["good"]
    pin = fingerprint(sim["certs"] / "server.pem")
    block = f"  - alias: nas\n    url: {sim['url']}\n    pinned_sha256: \"{pin}\"\n"
    out, err, code = run_shell(tmp_path, block, sim["key"], ["ps @nas"])
    assert code == 0, err
    assert "containers on @nas" in out


def test_wrong_pin_is_refused(tls_sim, tmp_path):
    sim = tls_sim["good"]
    wrong_pin = "ab" * 32
    block = f"  - alias: nas\n    url: {sim['url']}\n    pinned_sha256: {wrong_pin}\n"
    out, err, code = run_shell(tmp_path, block, sim["key"], ["ps @nas"])
    assert code == 0
    assert "Could not talk securely to @nas" in out
    assert "containers on @nas" not in out


def test_certificate_for_another_name_is_refused(tls_sim, tmp_path):
    sim = tls_sim["misnamed"]
    block = f"  - alias: nas\n    url: {sim['url']}\n    ca_file: {sim['certs'] / 'ca.pem'}\n"
    out, err, code = run_shell(tmp_path, block, sim["key"], ["ps @nas"])
    assert code == 0
    assert "Could not talk securely to @nas" in out
