"""Every error a user can meet through `wagbot shell`: what they read, and which API calls were
(and were not) made."""

from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import HOSTS, action_calls, calls, container, requests_with

pytestmark = pytest.mark.timeout(60)

ALL_SCOPES = ["containers:read", "containers:write", "containers:delete", "images:read",
              "images:write", "templates:read", "templates:write", "marketplace:read",
              "marketplace:write", "system:read"]


def no_calls(ctl):
    for h in HOSTS:
        assert calls(ctl, h) == [], f"{h} was called: {calls(ctl, h)}"


def narrow(bot, key: str, scopes):
    """The key's owner reduces its scopes on the host (POST /api/settings/scopes)."""
    req = urllib.request.Request(bot.sim.hosts["nas"] + "/api/settings/scopes", method="POST",
                                 data=json.dumps({"scopes": list(scopes)}).encode(),
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).read()


# ---------------------------------------------------------------------------- missing scope

MISSING_SCOPE = [
    ("ps", "containers:read"),
    ("inspect nginx", "containers:read"),
    ("logs nginx 10", "containers:read"),
    ("start redis", "containers:write"),
    ("stop nginx", "containers:write"),
    ("restart nginx", "containers:write"),
    ("rm redis", "containers:delete"),
    ("run nginx:alpine --name web", "containers:write"),
    ("images", "images:read"),
    ("pull alpine:3.20", "images:write"),
    ("rmi hello-world:latest", "images:write"),
    ("apps", "marketplace:read"),
    ("app jellyfin", "marketplace:read"),
    ("installed", "marketplace:read"),
    ("install nginx", "marketplace:write"),
    ("templates", "templates:read"),
    ("template static-site", "templates:read"),
    ('template save web {"image":"nginx:alpine"}', "templates:write"),
]


@pytest.mark.parametrize("line,scope", MISSING_SCOPE, ids=[l.split()[0] if not l.startswith("template save")
                                                           else "template-save" for l, _ in MISSING_SCOPE])
def test_missing_scope_is_named_and_nothing_is_called(bot, ctl, line, scope):
    # The key holds every scope but the one the command needs.
    bot.grant("alice", "nas", scopes=[s for s in ALL_SCOPES if s != scope])
    reply = bot.say(line)
    assert f"`{scope}`" in reply, reply
    assert "Agent Permissions" in reply
    assert "Confirm" not in reply, "a command the key may not run must not ask for confirmation"
    # The key's scopes were read; nothing else was asked of the host.
    assert calls(ctl, "nas") == ["GET /api/settings"]


def test_missing_scope_is_not_retried_and_the_scopes_are_cached(bot, ctl):
    bot.grant("alice", "nas", scopes=["images:read"])
    r = bot.chat(["ps", "ps", "images"]).replies
    assert all("`containers:read`" in x for x in r[:2])
    assert "8 images on @nas" in r[2]
    assert calls(ctl, "nas") == ["GET /api/settings", "GET /api/images"]


def test_server_scope_required_is_authoritative_over_the_cache(bot, ctl):
    key = bot.grant("alice", "nas")
    s = bot.session()
    assert "containers on @nas" in s.send("ps")  # scopes "*" are now cached
    narrow(bot, key, ["images:read"])
    ctl.clear_requests("nas")
    reply = s.send("ps")
    assert "`containers:read`" in reply and "Agent Permissions" in reply
    lists = requests_with(ctl, "nas", "GET", "/api/containers")
    assert len(lists) <= 1 and all(r["status"] == 403 for r in lists), "no retry after SCOPE_REQUIRED"
    # The next command knows it too.
    again = s.send("inspect nginx")
    assert "`containers:read`" in again
    assert requests_with(ctl, "nas", "GET", "/api/containers/nginx/config") == []
    assert s.close() == 0


def test_a_user_never_borrows_another_users_key(bot, ctl):
    alice_key = bot.grant("alice", "nas", scopes=["*"])
    bob_key = bot.grant("bob", "nas", scopes=["containers:read"])
    reply = bot.chat(["stop nginx", "yes"], user="bob").replies
    assert "`containers:write`" in reply[0]
    assert "nothing waiting" in reply[1]
    assert {r["key_suffix"] for r in ctl.requests("nas")} == {bob_key[-8:]}
    assert alice_key[-8:] != bob_key[-8:]
    assert container(ctl, "nas", "nginx")["status"] == "running"


def test_status_works_with_a_key_that_has_no_useful_scope(bot, ctl):
    bot.grant("alice", "nas", scopes=["secrets:write"])
    reply = bot.say("status")
    assert "scopes: secrets:write" in reply
    assert set(calls(ctl, "nas")) == {"GET /api/settings"}


# ---------------------------------------------------------------------------- protected containers

@pytest.mark.parametrize("verb", ["stop", "restart", "rm"])
@pytest.mark.parametrize("name", ["wagmios-backend", "wagmios-frontend"])
def test_protected_container_by_name_is_refused_before_any_call(bot, ctl, verb, name):
    bot.grant("alice", "nas")
    reply, yes = bot.chat([f"{verb} {name}", "yes"]).replies
    assert f"`{name}` is a WAGMIOS system container" in reply
    assert "Confirm" not in reply
    assert "nothing waiting" in yes
    no_calls(ctl)
    assert container(ctl, "nas", name)["status"] == "running"


@pytest.mark.parametrize("verb", ["stop", "restart", "rm"])
def test_protected_container_by_id_prefix_is_refused(bot, ctl, verb):
    bot.grant("alice", "nas")
    backend = container(ctl, "nas", "wagmios-backend")["id"]
    reply, yes = bot.chat([f"{verb} {backend[:6]}", "yes"]).replies
    assert "`wagmios-backend` is a WAGMIOS system container" in reply
    assert "nothing waiting" in yes
    assert action_calls(ctl, "nas") == []
    assert container(ctl, "nas", "wagmios-backend")["status"] == "running"


@pytest.mark.parametrize("verb", ["stop", "restart", "rm"])
def test_protected_container_by_id_prefix_without_containers_read(bot, ctl, verb):
    """A key that may act on containers but not list them: the bot cannot tell that the id
    prefix is a system container, so it must not send the action blindly."""
    bot.grant("alice", "nas", scopes=["containers:write", "containers:delete"])
    backend = container(ctl, "nas", "wagmios-backend")["id"]
    replies = bot.chat([f"{verb} {backend[:8]}", "yes"]).replies
    assert action_calls(ctl, "nas") == [], f"an action reached the host: {replies}"
    assert container(ctl, "nas", "wagmios-backend")["status"] == "running"
    assert "stopped" not in replies[-1] and "restarted" not in replies[-1] and "deleted" not in replies[-1]


def test_read_commands_on_protected_containers_are_allowed(bot, ctl):
    bot.grant("alice", "nas")
    inspect, logs = bot.chat(["inspect wagmios-backend", "logs wagmios-frontend 5"]).replies
    assert "`wagmios-backend` on @nas" in inspect
    assert "`wagmios-frontend` on @nas" in logs
    assert "GET /api/containers/wagmios-frontend/logs?tail=5" in calls(ctl, "nas")


# ---------------------------------------------------------------------------- not found

@pytest.mark.parametrize("line", ["inspect nosuch", "logs nosuch", "start nosuch", "restart nosuch",
                                  "stop nosuch", "rm nosuch"])
def test_unknown_container_is_answered_without_an_action(bot, ctl, line):
    bot.grant("alice", "nas")
    reply = bot.say(line)
    assert "No container matching `nosuch` on @nas" in reply
    assert "Confirm" not in reply
    assert calls(ctl, "nas") == ["GET /api/settings", "GET /api/containers"]


def test_unknown_container_reported_by_the_server(bot, ctl):
    # Without containers:read the bot cannot look the name up: the host answers only
    # "exit status 1", and Docker's reason is in its activity feed, which system:read reads.
    bot.grant("alice", "nas", scopes=["containers:write", "system:read"])
    reply = bot.say("start nosuch")
    assert reply.startswith("start `nosuch` failed on @nas: no such container (No such container: "
                            "nosuch)"), reply
    assert action_calls(ctl, "nas") == ["POST /api/containers/nosuch/start", "GET /api/activity"]


def test_without_system_read_the_reply_says_the_host_gives_no_reason(bot, ctl):
    bot.grant("alice", "nas", scopes=["containers:write"])
    reply = bot.say("start nosuch")
    assert "start `nosuch` failed on @nas: the host gives no reason (exit status 1)." in reply
    assert "needs the `system:read` scope" in reply and "Agent Permissions" in reply
    assert "Error response" not in reply


def test_unknown_template_app_and_image(bot, ctl):
    bot.grant("alice", "nas")
    template, app, rmi = bot.chat(["template nosuch", "app nosuch", "rmi nosuch:1"]).replies[:3]
    assert "No template `nosuch` on @nas" in template
    assert "No app `nosuch`" in app
    assert "GET /api/containers/templates/nosuch" in calls(ctl, "nas")
    assert "GET /api/marketplace/nosuch" in calls(ctl, "nas")
    # rmi of an image that does not exist: nothing is ever deleted.
    follow = bot.say("yes") if "Confirm" in rmi else rmi
    assert "No image matching `nosuch:1`" in follow
    assert [c for c in calls(ctl, "nas") if c.startswith("DELETE")] == []


# ---------------------------------------------------------------------------- invalid input (server side)

# What the host refuses. wagbot knows the host's rules for names, images, ports, env names and
# project names, and refuses those before asking (the first words of its answer); whether a
# bind mount is allowed only the host knows (its managed directory), so that one is asked and
# the host's own code and message reported.
INVALID = [
    ("run nginx:alpine --name 'bad name!'", None, "is not a container name"),
    ("run _nginx --name web", None, "is not an image reference"),
    ("run nginx:alpine --name web -p 8080:99999", None, "is not a port"),
    ("run nginx:alpine --name web -e 1BAD=x", None, "is not a variable name"),
    ("run nginx:alpine --name web -v /etc:/data", "BLOCKED_VOLUME", "/etc"),
    ("install nginx as Bad_Name", None, "`bad-name` would do"),
    ("install nginx lowercase=1", None, "is not a setting name"),
]


@pytest.mark.parametrize("line,code,detail", INVALID, ids=[c or d for _, c, d in INVALID])
def test_invalid_input_is_refused_before_the_yes_or_reported_with_the_servers_code(
        bot, ctl, line, code, detail):
    bot.grant("alice", "nas")
    before = ctl.state("nas")
    ask, reply = bot.chat([line, "yes"]).replies
    if code is None:
        assert "Confirm" not in ask and detail in ask, ask
        assert "nothing waiting" in reply.lower(), reply
        assert [c for c in calls(ctl, "nas") if not c.startswith("GET")] == []
    else:
        assert "Confirm" in ask
        assert code in reply and detail in reply, reply
    after = ctl.state("nas")
    assert [c["name"] for c in after["containers"]] == [c["name"] for c in before["containers"]]
    assert not after["installed"]
    assert requests_with(ctl, "nas", "POST", "/api/marketplace/start") == []


def test_invalid_template_name(bot, ctl):
    bot.grant("alice", "nas")
    # The host takes nearly any name ("bad name", "-x", "x.json"), but not a hidden file's.
    reply = bot.say("template save .hidden {}")
    assert "INVALID_TEMPLATE_NAME" in reply
    assert [t["name"] for t in ctl.state("nas")["templates"]] == ["postgres-dev", "static-site"]


# ---------------------------------------------------------------------------- rate limited

def test_rate_limited_is_reported_and_not_retried(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_config("nas", rate_limit=2)
    r = bot.chat(["ps", "ps", "inspect nginx", "stop nginx"]).replies
    assert "6 containers on @nas" in r[0]
    for reply in r[1:]:
        assert "rate limiting" in reply and "100 requests a minute" in reply, reply
        assert "Confirm" not in reply
    statuses = [(x["method"], x["path"], x["status"]) for x in ctl.requests("nas")]
    assert statuses == [("GET", "/api/settings", 200), ("GET", "/api/containers", 200),
                        ("GET", "/api/containers", 429), ("GET", "/api/containers", 429),
                        ("GET", "/api/containers", 429)]


# ---------------------------------------------------------------------------- host down, bad answers

def test_host_down_is_plain_and_the_next_command_works(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    ctl.down("nas")
    s = bot.session()
    down = s.send("ps @nas")
    assert "@nas is unreachable" in down and "Is WAGMIOS running there?" in down
    assert "6 containers on @media" in s.send("ps @media")
    assert "Commands" in s.send("help")
    ctl.up("nas")
    assert "6 containers on @nas" in s.send("ps @nas")
    assert s.close() == 0


def test_host_down_when_a_confirmation_runs(bot, ctl):
    bot.grant("alice", "nas")
    s = bot.session()
    assert "Confirm" in s.send("stop nginx")
    ctl.down("nas")
    reply = s.send("yes")
    assert "@nas is unreachable" in reply
    ctl.up("nas")
    assert container(ctl, "nas", "nginx")["status"] == "running"
    assert requests_with(ctl, "nas", "POST", "/api/containers/nginx/stop") == []


def test_garbage_answer(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", garbage=True, path_prefix="/api/containers")
    reply = bot.say("ps")
    assert "@nas answered with something that is not the WAGMIOS API" in reply
    assert "not JSON" in reply
    assert len(requests_with(ctl, "nas", "GET", "/api/containers")) == 1


def test_garbage_answer_to_an_action(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", garbage=True, path_prefix="/api/containers/nginx/stop")
    reply = bot.chat(["stop nginx", "yes"]).replies[1]
    assert "not the WAGMIOS API" in reply
    assert "stopped on" not in reply
    assert len(requests_with(ctl, "nas", "POST", "/api/containers/nginx/stop")) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_proxy_error_page(bot, ctl, status):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", status=status, path_prefix="/api/images")
    reply = bot.say("images")
    assert f"HTTP {status}" in reply and "not the WAGMIOS API" in reply
    assert "<html>" not in reply
    assert len(requests_with(ctl, "nas", "GET", "/api/images")) == 1


def test_server_error_with_an_envelope_keeps_the_servers_message(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", status=500, path_prefix="/api/containers", content_type="application/json",
                   body='{"success":false,"data":null,"error":{"code":"DOCKER_ERROR","message":"docker daemon is not running"}}')
    reply = bot.say("ps")
    assert "docker daemon is not running" in reply and "DOCKER_ERROR" in reply


def test_dropped_connection_on_a_read(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", drop=True, path_prefix="/api/containers")
    reply = bot.say("ps")
    assert "@nas" in reply and "unreachable" in reply
    # A read may be retried once on a fresh connection; never more.
    assert 1 <= len(requests_with(ctl, "nas", "GET", "/api/containers")) <= 2


def test_dropped_connection_on_an_action_is_not_retried(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", drop=True, path_prefix="/api/containers/nginx/stop")
    reply = bot.chat(["stop nginx", "yes"]).replies[1]
    assert "@nas" in reply and "unreachable" in reply
    assert len(requests_with(ctl, "nas", "POST", "/api/containers/nginx/stop")) == 1


def test_slow_host_times_out(bot, ctl):
    bot.grant("alice", "nas")
    bot.timeouts["request"] = 1
    bot.write_config()
    ctl.set_faults("nas", latency_ms=3000, path_prefix="/api/containers", count=1)
    slow, after = bot.chat(["ps", "ps"]).replies
    assert "@nas did not answer in time" in slow
    assert "6 containers on @nas" in after


def test_revoked_key(bot, ctl):
    bot.grant("alice", "nas")
    spare = ctl.add_key("nas", label="other")  # the host keeps another key: no setup needed
    assert spare
    mine = next(k for k in ctl.list_keys("nas") if k["label"] == "alice-nas")
    ctl.delete_key("nas", mine["id"])
    reply = bot.say("ps")
    assert "@nas rejected your key (INVALID_KEY)" in reply
    assert "key add nas" in reply
    assert calls(ctl, "nas") == ["GET /api/settings"]


def test_host_without_any_key_set_up(bot, ctl):
    bot.grant("alice", "nas")
    for k in ctl.list_keys("nas"):
        ctl.delete_key("nas", k["id"])
    reply = bot.say("ps")
    assert "no API key set up yet" in reply
    assert calls(ctl, "nas") == ["GET /api/settings"]


# ---------------------------------------------------------------------------- wrong input (bot side)

def test_unknown_command_points_to_help(bot, ctl):
    bot.grant("alice", "nas")
    unknown, typo = bot.chat(["frobnicate the nas", "pss"]).replies
    assert "Unknown command `frobnicate`" in unknown and "`help`" in unknown
    assert "Did you mean `ps`" in typo
    no_calls(ctl)


def test_unknown_user_is_refused(bot, ctl):
    p = bot.run_cli("shell", "-c", str(bot.config_path), "--as", "mallory", timeout=15)
    assert p.returncode == 2
    assert "mallory" in p.stderr
    assert p.stdout == ""
    no_calls(ctl)


def test_a_user_without_keys_is_told_how_to_add_one(bot, ctl):
    reply = bot.say("ps", user="bob")
    assert "no WAGMIOS keys" in reply and "key add" in reply
    no_calls(ctl)


USAGE = [
    ("inspect", "Missing <container>.", "Usage: inspect <container> [@host]"),
    ("logs", "Missing <container>.", "Usage: logs <container> [lines] [@host]"),
    ("logs nginx abc", "<lines> must be a whole number, not `abc`.", "Usage: logs"),
    ("stop", "Missing <container>.", "Usage: stop <container> [@host]"),
    ("run", "Missing <image>.", "Usage: run <image>"),
    ("run nginx:alpine --bogus x", "Unknown option `--bogus`", "Usage: run"),
    ("run nginx:alpine --name", "needs a value", "Usage: run"),
    ("run nginx:alpine --name a --name b", "given twice", "Usage: run"),
    ("pull", "Missing <image>.", "Usage: pull <image> [@host]"),
    ("rmi", "Missing <image>.", "Usage: rmi <image> [@host]"),
    ("app", "Missing <id>.", "Usage: app <id> [@host]"),
    ("install", "Missing <app>.", "Usage: install <app>"),
    ("template", "Missing <name>.", "Usage: template <name> [@host]"),
    ("template save web", "Missing <json>.", "Usage: template save <name> <json> [@host]"),
    ("key", "`key` needs a subcommand.", "key add <host>"),
    ("key frob", "Unknown subcommand `frob` of `key`.", "key remove <host>"),
    ("key add nas", "Missing <key>.", "Usage: key add <host> [url] <wag_live_…>"),
    ("audit lots", "<n> must be a whole number", "Usage: audit [n]"),
    ("stop nginx @all", "one host at a time", "Usage: stop <container> [@host]"),
    ("hosts @nas", "does not take a host", "Usage: hosts"),
]


@pytest.mark.parametrize("line,problem,usage", USAGE, ids=[l for l, _, _ in USAGE])
def test_wrong_arguments_get_the_usage(bot, ctl, line, problem, usage):
    bot.grant("alice", "nas")
    reply = bot.say(line)
    assert problem in reply
    assert usage in reply
    no_calls(ctl)


def test_a_command_with_words_nobody_can_place_is_asked_about_and_nothing_runs(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("start a b")
    assert reply.startswith("I am not sure what \"b\" means there. Did you mean `start a`?")
    no_calls(ctl)


def test_comments_and_blank_lines_are_ignored_and_quit_ends(bot, ctl):
    bot.grant("alice", "nas")
    p = bot.run_cli_input("\n# a comment\n   \nhelp ps\nquit\nps\n")
    assert p.returncode == 0
    assert p.stdout.strip().startswith("`ps [@host|all]`")
    assert "containers on" not in p.stdout
    no_calls(ctl)


# ---------------------------------------------------------------------------- marketplace failures

def test_install_missing_a_required_setting(bot, ctl):
    bot.grant("alice", "nas")
    ask, after = bot.chat(["install plex", "yes"]).replies
    assert "PLEX_CLAIM" in ask and "no default" in ask and "confirm" not in ask
    assert "nothing waiting" in after.lower(), after
    assert requests_with(ctl, "nas", "POST", "/api/marketplace/create") == []
    assert requests_with(ctl, "nas", "POST", "/api/marketplace/start") == []
    assert not ctl.state("nas")["installed"]


def test_install_whose_start_fails_says_nothing_started(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_config("nas", port_conflicts=True)  # jellyfin already holds 8096 on nas
    reply = bot.chat(["install jellyfin as films", "yes"]).replies[1]
    assert reply.startswith("Jellyfin did not start on @nas: the port is already taken ("), reply
    assert "port is already allocated" in reply
    assert "is installing" not in reply
    assert len(requests_with(ctl, "nas", "POST", "/api/marketplace/start")) == 1
    # What the failed `up` left behind in `created` is named, and its rm offered with a yes.
    left = [c["name"] for c in ctl.state("nas")["containers"]
            if c["name"].startswith("films-") and c["status"] == "created"]
    assert len(left) == 1
    assert f"It left `{left[0]}` behind, created but not running." in reply
    assert f"Confirm: rm `{left[0]}` on @nas?" in reply
    assert left[0] in bot.say("yes")
    assert not [c for c in ctl.state("nas")["containers"] if c["name"] == left[0]]


def test_marketplace_catalogue_unreachable(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_config("nas", marketplace_available=False)
    reply = bot.say("apps")
    assert "MANIFEST_FETCH_FAILED" in reply
    assert "@nas" in reply


@pytest.mark.parametrize("spelling", ["/wagmios-backend", "WAGMIOS-Backend", "wagmios-backend/",
                                      "..%2Fwagmios-backend", "/WAGMIOS-FRONTEND"])
def test_other_spellings_of_a_protected_container_never_reach_the_host(bot, ctl, spelling):
    """Docker resolves `/name` (and, through a proxy, escaped or other-case spellings) to the
    container: with a key that cannot list containers, nothing but the refusal may come of it."""
    bot.grant("alice", "nas", scopes=["containers:write", "containers:delete"])
    for verb in ("restart", "stop", "rm"):
        replies = bot.chat([f"{verb} {spelling}", "yes"]).replies
        assert "Confirm" not in replies[0], replies
        assert action_calls(ctl, "nas") == [], f"an action reached the host: {replies}"
    for name in ("wagmios-backend", "wagmios-frontend"):
        assert container(ctl, "nas", name)["status"] == "running"


@pytest.mark.parametrize("line", ["restart nginx @media @nas", "stop nginx @media on nas",
                                  "rm nginx on media @nas"])
def test_two_hosts_in_one_command_ask_and_act_on_neither(bot, ctl, line):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    reply, yes = bot.chat([line, "yes"]).replies
    assert "two hosts" in reply and "@media" in reply and "@nas" in reply, reply
    assert "nothing waiting" in yes
    assert action_calls(ctl, "nas") == [] and action_calls(ctl, "media") == []
