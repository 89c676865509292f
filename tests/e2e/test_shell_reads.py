"""Read commands through `wagbot shell`: what the user reads, and which API calls were made."""

from __future__ import annotations

import re

import pytest

from conftest import HOSTS, action_calls, calls, container, requests_with

pytestmark = pytest.mark.timeout(60)

ALL_USAGES = [
    "help [command]", "hosts", "status [@host|all]", "ps [@host|all]", "inspect <container> [@host]",
    "logs <container> [lines] [@host]", "start <container> [@host]", "stop <container> [@host]",
    "restart <container> [@host]", "rm <container> [@host]", "run <image>", "images [@host|all]",
    "pull <image> [@host]", "rmi <image> [@host]", "apps [category|search words] [@host]",
    "app <id> [@host]", "installed [@host|all]", "install <app> [as <name>]", "templates [@host]",
    "template <name> [@host]", "template save <name> <json> [@host]", "key add <host> [url] <wag_live_…>",
    "key remove <host>", "key list", "default [host|none]", "audit [n]", "confirm [id]", "cancel [id]",
]


def no_calls(ctl):
    for h in HOSTS:
        assert calls(ctl, h) == [], f"{h} was called: {calls(ctl, h)}"


# ---------------------------------------------------------------------------- help, hosts, status

def test_help_lists_every_command_without_calling_any_host(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("help")
    assert "help <command>" in reply
    for usage in ALL_USAGES:
        assert usage in reply, f"`help` does not list {usage!r}"
    no_calls(ctl)


def test_help_for_one_command_and_for_a_group(bot, ctl):
    stop, key, unknown, aliased = bot.chat(["help stop", "help key", "help frobnicate", "help ps"]).replies
    assert "`stop <container> [@host]`" in stop
    assert "Needs scope `containers:write`" in stop
    assert "Asks for confirmation first" in stop
    assert "stop nginx" in stop  # an example
    for sub in ("key add <host> [url] <wag_live_…>", "key remove <host>", "key list"):
        assert sub in key
    assert "No command `frobnicate`" in unknown
    assert "Accepts @all" in aliased and "containers:read" in aliased
    no_calls(ctl)


def test_hosts_shows_configured_hosts_and_which_have_keys(bot, ctl):
    key = bot.grant("alice", "nas")
    reply = bot.say("hosts")
    nas_line = next(l for l in reply.splitlines() if l.startswith("@nas"))
    media_line = next(l for l in reply.splitlines() if l.startswith("@media"))
    assert bot.sim.hosts["nas"] in nas_line and "…" + key[-8:] in nas_line and "the nas" in nas_line
    assert "none — `key add media <key>`" in media_line
    assert key not in reply
    no_calls(ctl)


def test_status_shows_the_keys_own_scopes_per_host(bot, ctl):
    nas_key = bot.grant("alice", "nas", scopes=["containers:read", "images:read"], role="agent")
    media_key = bot.grant("alice", "media", scopes=["*"], role="admin")
    one, both = bot.chat(["status @nas", "status all"]).replies
    assert one.startswith("@nas:")
    assert "…" + nas_key[-8:] in one and "containers:read images:read" in one and "role agent" in one
    assert '"alice-nas"' in one
    nas_line = next(l for l in both.splitlines() if l.startswith("@nas"))
    media_line = next(l for l in both.splitlines() if l.startswith("@media"))
    assert "containers:read images:read" in nas_line
    assert "scopes: *" in media_line and "role admin" in media_line and "…" + media_key[-8:] in media_line
    assert nas_key not in one + both and media_key not in both
    # Only the keys' own settings were read (status re-reads them: they may have changed).
    assert set(calls(ctl, "nas")) == {"GET /api/settings"}
    assert set(calls(ctl, "media")) == {"GET /api/settings"}


# ---------------------------------------------------------------------------- ps and routing

def test_ps_lists_running_and_stopped_containers(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("ps")
    assert "6 containers on @nas, 5 running" in reply
    lines = reply.splitlines()
    nginx = next(l for l in lines if l.startswith("nginx "))
    redis = next(l for l in lines if l.startswith("redis "))
    assert "running" in nginx and "nginx:alpine" in nginx
    assert nginx.count("8080→80") == 1, "a binding listed for IPv4 and IPv6 must show once"
    assert container(ctl, "nas", "nginx")["id"][:12] in nginx
    assert "exited" in redis
    for name in ("wagmios-backend", "wagmios-frontend", "postgres", "jellyfin"):
        assert any(l.startswith(name + " ") for l in lines), name
    assert calls(ctl, "nas") == ["GET /api/settings", "GET /api/containers"]
    assert calls(ctl, "media") == []


def test_ps_all_fans_out_to_every_host_once(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    ctl.add_container("media", "sonarr", image="linuxserver/sonarr", status="running")
    reply = bot.say("ps all")
    assert "6 containers on @nas" in reply
    assert "7 containers on @media" in reply
    assert re.search(r"^sonarr ", reply, re.M)
    for h in HOSTS:
        assert calls(ctl, h).count("GET /api/containers") == 1, calls(ctl, h)


def test_ps_all_asks_the_hosts_concurrently(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    for h in HOSTS:
        ctl.set_faults(h, latency_ms=600, path_prefix="/api/containers")
    reply = bot.say("ps all")
    assert "containers on @nas" in reply and "containers on @media" in reply
    (a,) = requests_with(ctl, "nas", "GET", "/api/containers")
    (b,) = requests_with(ctl, "media", "GET", "/api/containers")
    # One after the other, the second request would arrive only after the first one's 600 ms.
    assert abs(a["time"] - b["time"]) < 0.4


def test_ps_all_reports_a_down_host_and_still_lists_the_others(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    ctl.down("nas")
    reply = bot.say("ps all")
    assert "6 containers on @media" in reply
    assert "@nas is unreachable" in reply
    assert calls(ctl, "media").count("GET /api/containers") == 1


def test_host_choice_explicit_default_and_ambiguous(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    ctl.add_container("media", "only-on-media", image="alpine:3.20", status="running")
    r = bot.chat(["ps", "inspect nginx", "ps @nowhere", "default media", "default", "ps",
                  "ps @nas", "inspect only-on on media", "default none", "ps", "ps @nsa"]).replies
    # A listing with no host named asks every host the user holds a key for.
    assert "containers on @media" in r[0] and "containers on @nas" in r[0], r[0]
    assert "Which host?" in r[1] and "@nas" in r[1] and "@media" in r[1]
    assert "@all" not in r[1]  # inspect runs on one host
    assert "You have no key for `nowhere`" in r[2] and "@nas" in r[2]
    assert "now go to @media" in r[3]
    assert "default host is @media" in r[4]
    assert "containers on @media" in r[5] and "@nas" not in r[5]
    assert "containers on @nas" in r[6]
    assert "`only-on-media` on @media" in r[7]
    assert "no default host any more" in r[8]
    assert "containers on @media" in r[9] and "containers on @nas" in r[9]
    assert "did you mean @nas?" in r[10]
    # The ambiguous and mistyped lines made no call at all; each listing went to the hosts named.
    assert calls(ctl, "nas").count("GET /api/containers") == 3
    assert calls(ctl, "media").count("GET /api/containers") == 4  # the prefix read from the list
    assert "GET /api/containers/only-on-media/config" in calls(ctl, "media")


def test_a_single_host_is_used_without_naming_it(bot, ctl):
    bot.grant("alice", "media")
    assert "containers on @media" in bot.say("ps")
    assert calls(ctl, "nas") == []


# ---------------------------------------------------------------------------- inspect

def test_inspect_by_unique_name_prefix_and_id_prefix(bot, ctl):
    bot.grant("alice", "nas")
    nginx_id = container(ctl, "nas", "nginx")["id"]
    by_name, by_id = bot.chat(["inspect ngi", f"inspect {nginx_id[:7]}"]).replies
    for reply in (by_name, by_id):
        assert "`nginx` on @nas" in reply
        assert nginx_id in reply
        assert "nginx:alpine" in reply and "running" in reply and "8080→80" in reply
    # The server is asked about the resolved name, never about the prefix.
    assert calls(ctl, "nas").count("GET /api/containers/nginx/config") == 2
    assert "GET /api/containers/ngi/config" not in calls(ctl, "nas")


def test_inspect_ambiguous_prefix_lists_the_candidates(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("inspect wagmios")
    assert "matches several containers" in reply
    assert "wagmios-backend" in reply and "wagmios-frontend" in reply
    assert not [c for c in calls(ctl, "nas") if c.endswith("/config")]


def test_inspect_exact_name_wins_over_longer_names(bot, ctl):
    bot.grant("alice", "nas")
    ctl.add_container("nas", "nginx-proxy", image="nginx:alpine", status="running")
    reply = bot.say("inspect nginx")
    assert "`nginx` on @nas" in reply
    assert container(ctl, "nas", "nginx")["id"] in reply


def test_inspect_unknown_container(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("inspect nosuch")
    assert "No container matching `nosuch` on @nas" in reply
    assert calls(ctl, "nas") == ["GET /api/settings", "GET /api/containers"]


# ---------------------------------------------------------------------------- logs

def test_logs_with_a_line_count(bot, ctl):
    bot.grant("alice", "nas")
    ctl.append_logs("nas", "nginx", ["first marker line", "second marker line", "last marker line"])
    three, default = bot.chat(["logs nginx 3", "logs ngin"]).replies
    assert "Last 3 lines of `nginx` on @nas" in three
    body = three.splitlines()[1:]
    assert body == ["first marker line", "second marker line", "last marker line"]
    assert "last marker line" in default
    logs = [c for c in calls(ctl, "nas") if "/logs" in c]
    assert logs == ["GET /api/containers/nginx/logs?tail=3", "GET /api/containers/nginx/logs?tail=50"]


@pytest.mark.parametrize("lines", ["0", "1001", "5000"])
def test_logs_line_count_is_bounded_before_calling(bot, ctl, lines):
    bot.grant("alice", "nas")
    reply = bot.say(f"logs nginx {lines}")
    assert "between 1 and 1000" in reply
    assert not [c for c in calls(ctl, "nas") if "/logs" in c]


def test_logs_bounds_are_inclusive(bot, ctl):
    bot.grant("alice", "nas")
    one, thousand = bot.chat(["logs nginx 1", "logs nginx 1000"]).replies
    assert "Last 1 lines of `nginx`" in one and len(one.splitlines()) == 2
    assert "`nginx` on @nas" in thousand
    assert [c for c in calls(ctl, "nas") if "/logs" in c] == [
        "GET /api/containers/nginx/logs?tail=1", "GET /api/containers/nginx/logs?tail=1000"]


def test_logs_of_a_silent_container(bot, ctl):
    bot.grant("alice", "nas")
    ctl.set_faults("nas", status=200, path_prefix="/api/containers/nginx/logs", content_type="application/json",
                   body='{"success":true,"data":{"logs":""},"error":null}')
    reply = bot.say("logs nginx")
    assert "`nginx` on @nas has written no logs" in reply


# ---------------------------------------------------------------------------- images

def test_images(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("images")
    assert "8 images on @nas" in reply
    hello = next(l for l in reply.splitlines() if l.startswith("hello-world "))
    assert "latest" in hello
    assert re.search(r"^alpine +3\.20 ", reply, re.M)
    assert calls(ctl, "nas") == ["GET /api/settings", "GET /api/images"]


# ---------------------------------------------------------------------------- marketplace

def test_apps_lists_filters_and_searches_the_catalogue(bot, ctl):
    bot.grant("alice", "nas")
    everything, media, words, nothing = bot.chat(
        ["apps", "apps media", "apps password manager", "apps zzzqqq"]).replies
    assert re.search(r"^\d+ apps in the marketplace of @nas", everything)
    assert int(everything.split()[0]) >= 30
    for app_id in ("jellyfin", "vaultwarden", "uptime-kuma", "homeassistant"):
        assert re.search(rf"^{app_id}\b", everything, re.M), app_id
    assert re.search(r"^jellyfin\b", media, re.M) and re.search(r"^plex\b", media, re.M)
    assert not re.search(r"^vaultwarden\b", media, re.M)
    assert re.search(r"^vaultwarden\b", words, re.M) and "1 apps" in words
    # The catalogue's list names categories by display name ("Media Servers").
    assert "No app matches" in nothing and "Media Servers" in nothing
    assert action_calls(ctl, "nas") == ["GET /api/marketplace"] * 4


def test_app_details(bot, ctl):
    bot.grant("alice", "nas")
    reply = bot.say("app jellyfin")
    assert "Jellyfin (`jellyfin`, Media Servers)" in reply
    assert "jellyfin/jellyfin" in reply and "8096" in reply
    assert re.search(r"^TZ\b", reply, re.M)
    assert "install jellyfin" in reply
    assert action_calls(ctl, "nas") == ["GET /api/marketplace/jellyfin"]


def test_installed_when_nothing_is_installed(bot, ctl):
    # The server answers `null` for an empty list.
    bot.grant("alice", "nas")
    reply = bot.say("installed")
    assert "No marketplace apps are installed on @nas" in reply
    assert action_calls(ctl, "nas") == ["GET /api/marketplace/installed"]


def test_installed_all_fans_out(bot, ctl):
    bot.grant("alice", "nas")
    bot.grant("alice", "media")
    reply = bot.say("installed all")
    assert "@nas" in reply and "@media" in reply
    for h in HOSTS:
        assert action_calls(ctl, h) == ["GET /api/marketplace/installed"]


# ---------------------------------------------------------------------------- templates

def test_templates_and_one_template(bot, ctl):
    bot.grant("alice", "nas")
    listing, one = bot.chat(["templates", "template static-site"]).replies
    assert "Templates on @nas" in listing
    assert re.search(r"^postgres-dev +postgres:16", listing, re.M)
    assert re.search(r"^static-site +nginx:alpine", listing, re.M)
    assert "Template `static-site` on @nas" in one
    assert '"image": "nginx:alpine"' in one and '"host": "8081"' in one
    assert action_calls(ctl, "nas") == ["GET /api/containers/templates",
                                        "GET /api/containers/templates/static-site"]
