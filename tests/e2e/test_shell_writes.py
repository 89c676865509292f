"""Write commands and confirmations through `wagbot shell`."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from conftest import SEP, SEP_REPLY, action_calls, calls, container, requests_with, wait_for

pytestmark = pytest.mark.timeout(60)

CONFIRM_RE = re.compile(r"`confirm (\w+)`")


def confirmation_id(reply: str) -> str:
    m = CONFIRM_RE.search(reply)
    assert m, f"no confirmation id in {reply!r}"
    return m.group(1)


def status_of(ctl, name, host="nas"):
    c = container(ctl, host, name)
    return c and c["status"]


def posts(ctl, path, host="nas"):
    return [c for c in calls(ctl, host) if c.endswith(" " + path) and not c.startswith("GET")]


# ---------------------------------------------------------------------------- start, restart

def test_start_a_stopped_container_runs_at_once(bot, ctl):
    key = bot.grant("alice", "nas")
    reply = bot.say("start redis")
    assert "`redis` started on @nas" in reply
    assert "Confirm" not in reply
    reqs = requests_with(ctl, "nas", "POST", "/api/containers/redis/start")
    assert len(reqs) == 1 and reqs[0]["key_suffix"] == key[-8:]
    assert status_of(ctl, "redis") == "running"


def test_start_a_running_container_makes_no_call(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("start nginx")
    assert "already running" in reply
    assert posts(ctl, "/api/containers/nginx/start") == []


def test_restart_by_prefix(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("restart postg")
    assert "`postgres` restarted on @nas" in reply
    assert action_calls(ctl, "nas") == ["POST /api/containers/postgres/restart"]


# ---------------------------------------------------------------------------- stop and confirmations

def test_stop_asks_first_and_yes_runs_it_exactly_once(bot, ctl):
    bot.grant("alice", "nas")
    s = bot.session()
    ask = s.send("stop nginx")
    assert "Confirm" in ask and "stop `nginx` on @nas" in ask
    cid = confirmation_id(ask)
    assert f"cancel {cid}" in ask
    assert posts(ctl, "/api/containers/nginx/stop") == [], "stopped before anyone said yes"
    assert status_of(ctl, "nginx") == "running"

    done = s.send("yes")
    assert "`nginx` stopped on @nas" in done
    assert posts(ctl, "/api/containers/nginx/stop") == ["POST /api/containers/nginx/stop"]
    assert status_of(ctl, "nginx") == "exited"

    again, by_id = s.send("yes"), s.send(f"confirm {cid}")
    assert "nothing waiting" in again
    assert f"`{cid}` was already confirmed" in by_id
    assert posts(ctl, "/api/containers/nginx/stop") == ["POST /api/containers/nginx/stop"]
    assert s.close() == 0


def test_no_cancels_and_makes_no_call(bot, ctl):
    bot.grant("alice", "nas")
    ask, no, yes = bot.chat(["stop nginx", "no", "yes"]).replies
    assert "Confirm" in ask
    assert "Cancelled: stop `nginx` on @nas. Nothing was done." in no
    assert "nothing waiting" in yes
    assert posts(ctl, "/api/containers/nginx/stop") == []
    assert status_of(ctl, "nginx") == "running"


def test_confirm_and_cancel_by_id(bot, ctl):
    bot.grant("alice", "nas")
    s = bot.session()
    first = confirmation_id(s.send("stop nginx"))
    second = confirmation_id(s.send("stop postgres"))
    assert first != second
    assert "`nginx` stopped" in s.send(f"confirm {first}")
    assert "Cancelled: stop `postgres`" in s.send(f"cancel {second}")
    assert "No confirmation `zzzzzz`" in s.send("confirm zzzzzz")
    assert f"`{second}` was already cancelled" in s.send(f"confirm {second}")
    assert status_of(ctl, "nginx") == "exited"
    assert status_of(ctl, "postgres") == "running"
    assert action_calls(ctl, "nas") == ["POST /api/containers/nginx/stop"]


def test_yes_resolves_the_latest_pending_confirmation(bot, ctl):
    bot.grant("alice", "nas")
    r = bot.chat(["stop nginx", "stop postgres", "yes", "yes", "yes"]).replies
    assert "`postgres` stopped" in r[2]
    assert "`nginx` stopped" in r[3]
    assert "nothing waiting" in r[4]
    assert action_calls(ctl, "nas") == ["POST /api/containers/postgres/stop",
                                        "POST /api/containers/nginx/stop"]


def test_stop_of_a_stopped_container_makes_no_call(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.chat(["stop redis", "yes"]).replies[1]
    assert "`redis` is not running on @nas" in reply
    assert posts(ctl, "/api/containers/redis/stop") == []


def test_confirmation_expires(bot, ctl):
    bot.grant("alice", "nas")
    bot.configure(confirmation_timeout=1)
    s = bot.session()
    ask = s.send("stop nginx")
    cid = confirmation_id(ask)
    s.wait_output(r"⌛ Expired: stop `nginx` on @nas was not done", deadline=10)
    late_yes, late_id = s.send("yes"), s.send(f"confirm {cid}")
    assert "nothing waiting" in late_yes
    assert cid in late_id and "expired" in late_id
    assert posts(ctl, "/api/containers/nginx/stop") == []
    assert status_of(ctl, "nginx") == "running"


def test_confirmation_survives_a_restart_of_the_bot(bot, ctl):
    bot.grant("alice", "nas")
    ask_stop, ask_rm = bot.chat(["stop nginx", "rm redis"]).replies
    stop_id, rm_id = confirmation_id(ask_stop), confirmation_id(ask_rm)
    assert action_calls(ctl, "nas") == []

    # A new process with the same data_dir finds both.
    done_rm, done_stop = bot.chat(["yes", f"confirm {stop_id}"]).replies
    assert "`redis` deleted from @nas" in done_rm
    assert "`nginx` stopped on @nas" in done_stop
    assert action_calls(ctl, "nas") == ["POST /api/containers/redis/delete",
                                        "POST /api/containers/nginx/stop"]
    # And a third process cannot run them again.
    again = bot.chat(["yes", f"confirm {rm_id}"]).replies
    assert "nothing waiting" in again[0] and "already confirmed" in again[1]
    assert len(action_calls(ctl, "nas")) == 2


def test_only_the_requester_can_resolve_a_confirmation(bot, ctl):
    alice_key = bot.grant("alice", "nas")
    bob_key = bot.grant("bob", "nas")
    cid = confirmation_id(bot.say("stop nginx", user="alice"))
    bob = bot.chat([f"confirm {cid}", f"cancel {cid}", "yes"], user="bob").replies
    assert f"`{cid}` is not yours to confirm" in bob[0]
    assert f"`{cid}` is not yours to cancel" in bob[1]
    assert "nothing waiting" in bob[2]
    assert posts(ctl, "/api/containers/nginx/stop") == []

    assert "`nginx` stopped" in bot.say(f"confirm {cid}", user="alice")
    stops = requests_with(ctl, "nas", "POST", "/api/containers/nginx/stop")
    assert len(stops) == 1
    assert stops[0]["key_suffix"] == alice_key[-8:] != bob_key[-8:]


def test_a_confirmation_rechecks_the_scope_when_it_runs(bot, ctl):
    key = bot.grant("alice", "nas")
    s = bot.session()
    cid = confirmation_id(s.send("stop nginx"))
    # Meanwhile the key's owner narrows it to read-only.
    req = urllib.request.Request(bot.sim.hosts["nas"] + "/api/settings/scopes", method="POST",
                                 data=json.dumps({"scopes": ["containers:read"]}).encode(),
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).read()
    ctl.clear_requests("nas")
    reply = s.send("yes")
    assert "`containers:write`" in reply and "Agent Permissions" in reply
    assert calls(ctl, "nas") == ["GET /api/settings"], "the scopes must be re-read, then nothing called"
    assert status_of(ctl, "nginx") == "running"
    assert "already" in s.send(f"confirm {cid}")


# ---------------------------------------------------------------------------- rm

def test_rm_deletes_after_yes(bot, ctl):
    bot.grant("alice", "nas")
    ask, done = bot.chat(["rm redi", "yes"]).replies
    assert "rm `redis` on @nas" in ask
    assert "`redis` deleted from @nas" in done
    assert action_calls(ctl, "nas") == ["POST /api/containers/redis/delete"]
    assert container(ctl, "nas", "redis") is None


def test_rm_no_keeps_the_container(bot, ctl):
    bot.grant("alice", "nas")
    bot.chat(["rm redis", "no"])
    assert action_calls(ctl, "nas") == []
    assert container(ctl, "nas", "redis") is not None


# ---------------------------------------------------------------------------- run

def test_run_creates_a_container_with_ports_and_env(bot, ctl):
    bot.grant("alice", "nas")
    ask, done = bot.chat(["run nginx:alpine --name web -p 8081:80 -e TZ=UTC -e MODE=prod", "yes"]).replies
    assert "Confirm" in ask and "run `nginx:alpine` on @nas" in ask
    created = container(ctl, "nas", "web")
    assert created and created["status"] == "running" and created["image"] == "nginx:alpine"
    assert f"Container `web` (nginx:alpine) created on @nas, id {created['id'][:12]}" in done
    (req,) = requests_with(ctl, "nas", "POST", "/api/containers")
    assert req["body"]["name"] == "web"
    assert req["body"]["image"] == "nginx:alpine"
    assert req["body"]["ports"] == [{"host": "8081", "container": "80"}]
    assert req["body"]["env"] == [{"key": "TZ", "value": "UTC"}, {"key": "MODE", "value": "prod"}]


def test_run_no_creates_nothing(bot, ctl):
    bot.grant("alice", "nas")
    bot.chat(["run nginx:alpine --name web", "no"])
    assert requests_with(ctl, "nas", "POST", "/api/containers") == []
    assert container(ctl, "nas", "web") is None


def test_run_rejects_a_malformed_port_without_calling(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.chat(["run nginx:alpine --name web -p 8080", "yes"]).replies[0]
    assert "-p takes host:container" in reply and "confirm" not in reply
    assert requests_with(ctl, "nas", "POST", "/api/containers") == []


# ---------------------------------------------------------------------------- images

def test_pull_runs_at_once(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("pull busybox:1.36")
    assert "Pulled `busybox:1.36` on @nas" in reply
    (req,) = requests_with(ctl, "nas", "POST", "/api/images/pull")
    assert req["body"] == {"image": "busybox:1.36"}
    assert any(i.get("Repository") == "busybox" and i.get("Tag") == "1.36" for i in ctl.state("nas")["images"])


def test_a_slow_pull_is_reported_as_still_running(bot, ctl):
    bot.grant("alice", "nas")
    bot.timeouts["pull"] = 1
    bot.write_config()
    ctl.set_config("nas", pull_latency_ms=2500)
    reply = bot.say("pull busybox:1.36")
    assert "taking a while" in reply and "background" in reply
    assert "failed" not in reply
    assert len(requests_with(ctl, "nas", "POST", "/api/images/pull")) == 1, "a slow pull is not retried"
    wait_for(lambda: any(i.get("Repository") == "busybox" for i in ctl.state("nas")["images"]),
             "the pull to finish on the host")


def test_rmi_by_repository_and_tag(bot, ctl):
    bot.grant("alice", "nas")
    image = next(i for i in ctl.state("nas")["images"] if i["Repository"] == "hello-world")
    ask, done = bot.chat(["rmi hello-world:latest", "yes"]).replies
    assert "rmi `hello-world:latest` on @nas" in ask
    assert "Image `hello-world:latest` deleted from @nas" in done
    assert action_calls(ctl, "nas") == [f"DELETE /api/images/{image['ID'][:12]}"]
    assert not any(i["Repository"] == "hello-world" for i in ctl.state("nas")["images"])


def test_rmi_no_keeps_the_image(bot, ctl):
    bot.grant("alice", "nas")
    bot.chat(["rmi hello-world:latest", "no"])
    assert action_calls(ctl, "nas") == []
    assert any(i["Repository"] == "hello-world" for i in ctl.state("nas")["images"])


def test_rmi_of_an_image_in_use_reports_the_servers_reason(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.chat(["rmi nginx:alpine", "yes"]).replies[1]
    # The host says only "exit status 1"; Docker's reason comes from its activity feed.
    assert reply.startswith("remove image `"), reply
    assert "failed on @nas: the image is in use by a container (" in reply
    assert "being used by running container" in reply
    assert any(i["Repository"] == "nginx" for i in ctl.state("nas")["images"])


# ---------------------------------------------------------------------------- install

def test_install_creates_then_starts_after_yes(bot, ctl):
    bot.grant("alice", "media")
    ask, done, installed = bot.chat(
        ["install jellyfin as films TZ=Europe/Paris -p 8097:8096", "yes", "installed"]).replies
    assert "install `jellyfin` on @media" in ask and "Confirm" in ask
    assert "is installing on @media" in done and "8097" in done and "`films`" in done
    (create,) = requests_with(ctl, "media", "POST", "/api/marketplace/create")
    assert create["body"]["app_id"] == "jellyfin"
    assert create["body"]["custom_name"] == "films"
    assert create["body"]["environment"] == {"TZ": "Europe/Paris"}
    assert create["body"]["ports"] == {"8097": 8096}
    (start,) = requests_with(ctl, "media", "POST", "/api/marketplace/start")
    assert start["body"]["container_name"] == "films"
    assert start["body"]["compose_path"].startswith("/app/data/containers/jellyfin/films")
    assert start["body"]["compose_path"] in done
    assert re.search(r"^jellyfin\b", installed, re.M)
    assert container(ctl, "media", "films-films-1")["status"] == "running"


def test_install_no_installs_nothing(bot, ctl):
    bot.grant("alice", "nas")
    bot.chat(["install nginx", "no"])
    # Only the look at the app's required settings, before the question.
    assert [c for c in calls(ctl, "nas") if "/api/marketplace" in c] == ["GET /api/marketplace/nginx"]
    assert not ctl.state("nas")["installed"]


def test_install_of_an_unknown_app_starts_nothing(bot, ctl):
    bot.grant("alice", "nas")
    ask, after = bot.chat(["install nosuchapp", "yes"]).replies
    assert "No app `nosuchapp`" in ask and "Confirm" not in ask  # known before any yes
    assert "nothing waiting" in after.lower()
    assert requests_with(ctl, "nas", "POST", "/api/marketplace/create") == []
    assert requests_with(ctl, "nas", "POST", "/api/marketplace/start") == []


# ---------------------------------------------------------------------------- templates

def test_template_save_then_show(bot, ctl):
    bot.grant("alice", "nas")
    saved, shown = bot.chat(['template save web {"image":"nginx:alpine","ports":[{"host":"8082","container":"80"}]}',
                             "template web"]).replies
    assert "Template `web` saved on @nas" in saved
    assert "Confirm" not in saved
    (req,) = requests_with(ctl, "nas", "POST", "/api/containers/templates")
    assert req["body"] == {"name": "web", "image": "nginx:alpine",
                           "ports": [{"host": "8082", "container": "80"}]}
    assert '"image": "nginx:alpine"' in shown and '"8082"' in shown


def test_template_save_with_bad_json_calls_nothing(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("template save web {not json")
    assert "one JSON object" in reply
    assert requests_with(ctl, "nas", "POST", "/api/containers/templates") == []


def test_two_bots_confirming_at_once_run_it_once(bot, ctl):
    """Single use holds across processes sharing the data_dir: both say yes at the same moment."""
    bot.grant("alice", "nas")
    ctl.set_faults("nas", latency_ms=300, path_prefix="/api/containers/nginx/stop")
    cid = confirmation_id(bot.say("stop nginx"))
    one, two = bot.session(), bot.session()
    assert "Commands" in one.send("help") and "Commands" in two.send("help")  # both are up
    for s in (one, two):
        s.proc.stdin.write(f"confirm {cid}\n{SEP}\n")
        s.proc.stdin.flush()
    replies = [s._read_until(lambda l: l == SEP_REPLY, 30) for s in (one, two)]
    texts = ["\n".join(r) for r in replies]
    assert sum("`nginx` stopped on @nas" in t for t in texts) == 1, texts
    assert sum("already" in t for t in texts) == 1, texts
    assert len(requests_with(ctl, "nas", "POST", "/api/containers/nginx/stop")) == 1


# ---------------------------------------------------------------------------- arguments checked before the yes

@pytest.mark.parametrize("line, says", [
    ("run nginx:alpine --name web -p 8080:70000", "is not a port"),
    ("run nginx:alpine --name web -p 0:80", "is not a port"),
    ("run nginx:alpine --name web -e 9LIVES=x", "is not a variable name"),
    ("run nginx:alpine --name web -e MY-VAR=x", "is not a variable name"),
    ("run nginx:alpine --name web -v data:relative/path", "absolute path"),
    ("run nginx:alpine --name web -v data:/srv/../etc", "climbs out"),
    ("run nginx:alpine --name -web", "is not a container name"),
    ("install Uptime_Kuma", "is not a valid app id"),
    ("install jellyfin as My_Films", "`my-films` would do"),
    ("install jellyfin tz=UTC", "is not a setting name"),
    ("install jellyfin -p 8097:99999", "is not a port"),
])
def test_an_argument_the_host_would_refuse_is_refused_before_any_yes(bot, ctl, line, says):
    bot.grant("alice", "nas")
    first, after = bot.chat([line, "yes"]).replies
    assert says in first, first
    assert "confirm" not in first and "Nothing was" in first
    assert "nothing waiting" in after.lower() or "no confirmation" in after.lower(), after
    assert [c for c in calls(ctl, "nas") if not c.startswith("GET")] == []


def test_install_asks_for_a_required_setting_before_the_yes(bot, ctl):
    bot.grant("alice", "nas")
    first = bot.say("install plex")
    assert "PLEX_CLAIM" in first and "install plex PLEX_CLAIM=…" in first, first
    assert "confirm" not in first
    assert [c for c in calls(ctl, "nas") if not c.startswith("GET")] == []
    # Given, the prompt comes, and the yes installs it with that value.
    ask, done = bot.chat(["install plex PLEX_CLAIM=claim-abc", "yes"]).replies
    assert "confirm" in ask and "PLEX_CLAIM=claim-abc" in ask, ask
    assert "is installing on @nas" in done, done
    (create,) = [r for r in ctl.requests("nas") if r["path"] == "/api/marketplace/create"]
    assert create["body"]["environment"] == {"PLEX_CLAIM": "claim-abc"}
