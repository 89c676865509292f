"""Every command family as a slash command: what the user sees (interaction callbacks, the
edited original, follow-ups, ephemeral flags) and what WAGMIOS received."""

from __future__ import annotations

import wagbot_discord as wd
from wagbot_discord import ALICE, BOB, CAROL, EVE, calls, is_ephemeral, response_types, text, writes


def reads_with(wctl, host: str, key: str) -> list[str]:
    """The requests `host` received with `key` (by its last 8 characters)."""
    return [f"{r['method']} {r['path']}" for r in wctl.requests(host) if r.get("key_suffix") == key[-8:]]


def deferred_public(d: dict) -> dict:
    """A host command: one type-5 defer (public) within 3 s, then the original edited."""
    assert response_types(d) == [5], d["responses"]
    assert d["responses"][0]["at"] < 3000
    assert not d["errors"], d["errors"]
    assert d["status"] == "completed"
    assert d["original"] is not None and not is_ephemeral(d["original"])
    assert not d["original"]["flags"] & wd.LOADING, "the original still says 'thinking…'"
    return d["original"]


def answered_now(d: dict, ephemeral: bool) -> dict:
    assert response_types(d) == [4], d["responses"]
    assert d["responses"][0]["at"] < 3000
    assert not d["errors"], d["errors"]
    assert is_ephemeral(d["responses"][0]["data"]) == ephemeral, d["responses"][0]["data"]
    return d["original"]


def test_commands_registered_from_the_specs(bot, dctl):
    cmds = {c["name"]: c for c in dctl.commands(guild_id=wd.GUILD)}
    for name in ("help", "hosts", "status", "ps", "logs", "start", "stop", "restart", "rm", "run",
                 "images", "pull", "rmi", "apps", "app", "installed", "install", "templates",
                 "template", "key", "default", "audit", "confirm", "cancel", "health", "system",
                 "activity"):
        assert name in cmds, f"/{name} not registered: {sorted(cmds)}"
    subs = lambda c: sorted(o["name"] for o in cmds[c]["options"] if o["type"] == 1)  # noqa: E731
    assert subs("key") == ["add", "list", "remove"]
    assert subs("template") == ["save", "show"]
    # each command that calls a host has a `host` option with autocomplete
    for name in ("ps", "logs", "restart", "stop", "rm", "run", "pull", "images", "apps", "app",
                 "install", "templates", "status", "health", "system", "activity"):
        host = [o for o in cmds[name]["options"] if o["name"] == "host"]
        assert host and host[0]["type"] == 3 and host[0].get("autocomplete"), (name, cmds[name]["options"])
    container = [o for o in cmds["restart"]["options"] if o["name"] == "container"][0]
    assert container["required"] and container.get("autocomplete")
    # the key is never a slash-command option: /key add only names the host
    add = [o for o in cmds["key"]["options"] if o["name"] == "add"][0]
    assert [o["name"] for o in add.get("options") or []] == ["host"]
    # registered by bulk overwrite, with the bot's token and User-Agent
    puts = dctl.requests(method="PUT", path_contains="/commands")
    assert len(puts) == 1 and puts[0]["status"] == 200
    assert puts[0]["path"].endswith(f"/applications/{wd.APP_ID}/guilds/{wd.GUILD}/commands")
    assert puts[0]["headers"]["user-agent"].startswith("DiscordBot (")


def test_ps_with_host_option(bot, dctl, wctl):
    d = bot.ask("ps", {"host": "nas"})
    original = deferred_public(d)
    assert "nginx" in text(original) and "postgres" in text(original) and "@nas" in text(original)
    # A listing is a Components V2 layout: a container of text displays, one line a container,
    # as discord.py's own model reads it.
    assert wd.flags(original) & wd.COMPONENTS_V2 and not original["content"]
    from discord.components import Container, TextDisplay, _component_factory
    (box,) = [_component_factory(c) for c in original["components"]]
    assert isinstance(box, Container) and all(isinstance(c, TextDisplay) for c in box.children)
    assert any("- **nginx** — " in c.content for c in box.children), box.children
    assert "GET /api/containers" in reads_with(wctl, "nas", bot.keys[("alice", "nas")])
    assert calls(wctl, "media") == []


def test_logs(bot, dctl, wctl):
    wctl.append_logs("nas", "nginx", ["hello from the e2e test"])
    d = bot.ask("logs", {"container": "nginx", "lines": 3, "host": "nas"})
    original = deferred_public(d)
    assert "hello from the e2e test" in text(original) and "```" in text(original)
    assert "GET /api/containers/nginx/logs?tail=3" in calls(wctl, "nas")


def test_status_is_ephemeral(bot, dctl, wctl):
    key = bot.keys[("alice", "nas")]
    d = bot.ask("status", {"host": "nas"})
    assert response_types(d) == [5] and d["responses"][0]["at"] < 3000 and not d["errors"]
    d = bot.wait_followups(d["id"])
    private = [f for f in d["followups"] if is_ephemeral(f)]
    assert len(private) == 1, d["followups"]
    assert "@nas" in text(private[0]) and key[-8:] in text(private[0]) and "admin" in text(private[0])
    # nothing about the key is visible to the channel
    public = [m for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)]
    assert all(key[-8:] not in text(m) for m in public), public
    assert reads_with(wctl, "nas", key), "status did not ask WAGMIOS with alice's key"


def test_restart(bot, dctl, wctl):
    d = bot.ask("restart", {"container": "nginx"})
    original = deferred_public(d)
    assert "nginx" in text(original) and "restarted" in text(original)
    assert writes(wctl, "nas") == ["POST /api/containers/nginx/restart"]


def test_stop_asks_first(bot, dctl, wctl):
    d = bot.ask("stop", {"container": "nginx"})
    original = deferred_public(d)
    assert "stop" in text(original) and "nginx" in text(original)
    cid = wd.confirmation_id_of(original)
    assert sorted(wd.custom_ids(original)) == sorted([f"wagbot:confirm:{cid}", f"wagbot:cancel:{cid}"])
    styles = {b["label"]: b["style"] for b in wd.buttons(original)}
    assert styles == {"Confirm": 4, "Cancel": 2}, styles
    assert not any(b.get("disabled") for b in wd.buttons(original))
    assert writes(wctl, "nas") == []
    assert wd.container(wctl, "nas", "nginx")["status"] == "running"


def confirm_and_wait(bot, dctl, d: dict) -> dict:
    original = d["original"]
    cid = wd.confirmation_id_of(original)
    click = dctl.click(original["id"], f"wagbot:confirm:{cid}")
    return bot.wait_followups(click["id"])


def test_rm_after_confirmation(bot, dctl, wctl):
    d = bot.ask("rm", {"container": "redis"})
    assert "rm" in text(deferred_public(d)) and writes(wctl, "nas") == []
    click = confirm_and_wait(bot, dctl, d)
    assert "redis" in text(click["followups"][0]) and "deleted" in text(click["followups"][0])
    assert writes(wctl, "nas") == ["POST /api/containers/redis/delete"]
    assert wd.container(wctl, "nas", "redis") is None


def test_run_after_confirmation(bot, dctl, wctl):
    d = bot.ask("run", {"image": "alpine:3.20", "name": "box", "publish": "9000:80", "env": "A=1 B=2"})
    assert "alpine:3.20" in text(deferred_public(d)) and writes(wctl, "nas") == []
    click = confirm_and_wait(bot, dctl, d)
    assert "box" in text(click["followups"][0])
    assert writes(wctl, "nas") == ["POST /api/containers"]
    body = [r for r in wctl.requests("nas") if r["method"] == "POST"][0]["body"]
    assert body["image"] == "alpine:3.20" and body["name"] == "box"
    assert body["ports"] == [{"container": "80", "host": "9000"}]
    assert sorted((e["key"], e["value"]) for e in body["env"]) == [("A", "1"), ("B", "2")]
    assert wd.container(wctl, "nas", "box")["status"] == "running"


def test_pull_and_images(bot, dctl, wctl):
    d = bot.ask("pull", {"image": "busybox:latest"})
    assert "busybox:latest" in text(deferred_public(d))
    assert writes(wctl, "nas") == ["POST /api/images/pull"]
    d = bot.ask("images", {"host": "nas"})
    original = deferred_public(d)
    assert "busybox" in text(original) and "postgres" in text(original)
    assert "GET /api/images" in calls(wctl, "nas")


def test_apps_app_and_install(bot, dctl, wctl):
    d = bot.ask("apps", {"search": "jelly"})
    assert "jellyfin" in text(deferred_public(d))
    d = bot.ask("app", {"id": "uptime-kuma"})
    original = deferred_public(d)
    assert "Uptime Kuma" in text(original) and "3001" in text(original)
    d = bot.ask("install", {"app": "uptime-kuma"})
    assert "uptime-kuma" in text(deferred_public(d))
    assert writes(wctl, "nas") == []
    click = confirm_and_wait(bot, dctl, d)
    assert "Uptime Kuma" in text(click["followups"][0])
    assert writes(wctl, "nas") == ["POST /api/marketplace/create", "POST /api/marketplace/start"]
    assert "GET /api/marketplace" in calls(wctl, "nas")
    assert "GET /api/marketplace/uptime-kuma" in calls(wctl, "nas")


def test_templates_show_and_save(bot, dctl, wctl):
    d = bot.ask("templates")
    original = deferred_public(d)
    assert "static-site" in text(original) and "postgres-dev" in text(original)
    d = bot.ask("template show", {"name": "static-site"})
    assert "nginx:alpine" in text(deferred_public(d))
    assert "GET /api/containers/templates/static-site" in calls(wctl, "nas")
    d = bot.ask("template save", {"name": "mine", "json": '{"image": "alpine:3.20"}'})
    assert "mine" in text(deferred_public(d))
    assert writes(wctl, "nas") == ["POST /api/containers/templates"]
    assert any(t["name"] == "mine" for t in wctl.state("nas")["templates"])


def test_key_list_and_remove_are_private(bot, dctl, wctl):
    alice_key, bob_key = bot.keys[("alice", "nas")], bot.keys[("bob", "nas")]
    d = bot.ask("key list")
    listed = answered_now(d, ephemeral=True)
    assert "@nas" in text(listed) and alice_key[-8:] in text(listed) and alice_key not in text(listed)
    d = bot.ask("key remove", {"host": "nas"}, user_id=BOB, username="bob")
    assert "nas" in text(answered_now(d, ephemeral=True))
    # bob has no key any more: his next host command cannot reach @nas
    before = len(wctl.requests("nas"))
    d = bot.ask("ps", {"host": "nas"}, user_id=BOB, username="bob")
    assert "key" in wd.visible_text(d).lower()
    assert all(r.get("key_suffix") != bob_key[-8:] for r in wctl.requests("nas")[before:])
    recorded = wd.recorded_text(dctl)
    assert alice_key not in recorded and bob_key not in recorded


def test_default_host_of_the_channel(make_world, dctl, wctl):
    bot = make_world(start=False)
    bot.grant("alice", "media")
    bot.start()
    d = bot.ask("default", {"host": "media"})
    assert "@media" in text(answered_now(d, ephemeral=False))
    wctl.clear_requests("nas")
    d = bot.ask("ps")
    assert "@media" in text(deferred_public(d))
    assert "GET /api/containers" in calls(wctl, "media") and calls(wctl, "nas") == []
    d = bot.ask("default")
    assert "@media" in text(answered_now(d, ephemeral=False))


def test_audit_for_admins(bot, dctl, wctl):
    bot.ask("restart", {"container": "nginx"})
    d = bot.ask("audit", {"n": 5})
    assert response_types(d) == [4] and not d["errors"]
    shown = wd.visible_text(d)
    assert "alice" in shown and "restart" in shown and "nginx" in shown
    d = bot.ask("audit", user_id=BOB, username="bob")
    assert "admin" in wd.visible_text(d)
    assert "restart" not in wd.visible_text(d)


def test_help_lists_the_commands(bot, dctl, wctl):
    d = bot.ask("help")
    first = text(answered_now(d, ephemeral=False))
    assert first.startswith("Commands"), first[:200]

    def mentions(shown: str, name: str) -> bool:
        return (f"\n{name} " in shown or f"`{name}" in shown or f"/{name}" in shown
                or f"**{name} " in shown or f"**{name}**" in shown)

    # every command must reach the user (in one message or several, each within Discord's 2000)
    names = ("ps", "logs", "restart", "stop", "rm", "run", "pull", "images", "apps", "install",
             "template save", "key add", "key list", "default", "audit")
    try:
        d = dctl.wait_interaction(d["id"], lambda x: all(mentions(wd.visible_text(x), n) for n in names), 3)
    except TimeoutError:
        shown = wd.visible_text(dctl.get_interaction(d["id"]))
        missing = [n for n in names if not mentions(shown, n)]
        raise AssertionError(f"/help does not mention {missing}:\n{shown}") from None
    for m in [d["original"], *d["followups"]]:
        # a Components V2 layout holds up to 4000 characters of text, a message's content 2000
        assert len(text(m)) <= (4000 if wd.flags(m) & wd.COMPONENTS_V2 else 2000)
    assert calls(wctl, "nas") == []


def test_hosts_inspect_start_rmi_installed(bot, dctl, wctl):
    d = bot.ask("hosts")
    shown = text(answered_now(d, ephemeral=False)) or wd.visible_text(d)
    assert "@nas" in shown and "@media" in shown
    d = bot.ask("inspect", {"container": "nginx"})
    assert "nginx:alpine" in text(deferred_public(d))
    d = bot.ask("start", {"container": "redis"})
    assert "redis" in text(deferred_public(d)) and "started" in text(d["original"]), text(d["original"])
    assert writes(wctl, "nas") == ["POST /api/containers/redis/start"]
    assert wd.container(wctl, "nas", "redis")["status"] == "running"
    d = bot.ask("rmi", {"image": "hello-world:latest"})
    assert wd.confirmation_id_of(deferred_public(d))
    assert writes(wctl, "nas") == ["POST /api/containers/redis/start"], "rmi ran before its confirmation"
    d = bot.ask("installed")
    deferred_public(d)
    assert "GET /api/marketplace/installed" in calls(wctl, "nas")


def test_unknown_user_answered_privately(bot, dctl, wctl):
    for name, options in (("ps", {"host": "nas"}), ("restart", {"container": "nginx"}), ("key list", {})):
        d = bot.ask(name, options, user_id=EVE, username="eve")
        shown = text(answered_now(d, ephemeral=True))
        assert "don't know you" in shown and EVE in shown, shown
    assert calls(wctl, "nas") == [] and calls(wctl, "media") == []
    assert [m for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)] == []


def test_errors_are_private(bot, dctl, wctl):
    """The issue: "Private answers (keys, errors, scopes) are ephemeral"."""
    d = bot.ask("ps", {"host": "nas"}, user_id=CAROL, username="carol")   # carol has no key
    assert response_types(d)[0] in (4, 5) and d["responses"][0]["at"] < 3000
    d = dctl.wait_interaction(d["id"], lambda x: "key" in wd.visible_text(x).lower() and
                              any(is_ephemeral(m) for m in [x["original"], *x["followups"]] if m), 5)
    d = bot.ask("restart", {"container": "nosuch"})
    dctl.wait_interaction(d["id"], lambda x: any("nosuch" in text(m) and is_ephemeral(m)
                                                 for m in [x["original"], *x["followups"]] if m), 5)
    public = [m for m in dctl.channel_messages(wd.CHANNEL) if not is_ephemeral(m)]
    assert not any("nosuch" in text(m) or "no WAGMIOS keys" in text(m) for m in public), \
        [text(m) for m in public]
    assert writes(wctl, "nas") == []


def test_destructive_commands_are_offered_to_trusted_members_only(bot, dctl, wctl):
    cmds = {c["name"]: c for c in dctl.commands(guild_id=wd.GUILD)}
    for name in ("rm", "stop", "rmi", "run", "install"):
        assert cmds[name].get("default_member_permissions") == "32", (name, cmds[name])
    for name in ("ps", "logs", "restart", "health"):
        assert cmds[name].get("default_member_permissions") is None, name
    # Discord itself refuses /rm to an ordinary member (the server's admins may change that);
    # /ps stays open to every member.
    plain = str(wd.MEMBER_PERMISSIONS)
    try:
        bot.command("rm", {"container": "nginx"}, permissions=plain)
        raise AssertionError("an ordinary member was offered /rm")
    except wd.dc.ControlError as e:
        assert e.status == 403 and "default_member_permissions" in str(e.body), e.body
    assert "nginx" in text(bot.ask("ps", {"host": "nas"}, permissions=plain)["original"])
    assert writes(wctl, "nas") == []


def test_an_ambiguous_container_is_asked_with_a_select_menu(bot, dctl, wctl):
    for name in ("web-1", "web-2"):
        wctl.add_container("nas", name)
    d = bot.ask("restart", {"container": "web", "host": "nas"})
    question = deferred_public(d)
    assert "`web` matches several containers on @nas:" in text(question), text(question)
    (menu,) = [c for c in wd.buttons(question) if c.get("type") == 3]
    assert sorted(o["label"] for o in menu["options"]) == ["web-1", "web-2"]
    assert menu["max_values"] == 1
    (web2,) = [o["value"] for o in menu["options"] if o["label"] == "web-2"]
    assert writes(wctl, "nas") == []

    # bob picks web-2: it runs as bob, with bob's own key.
    picked = dctl.click(question["id"], "wagbot:pick", user_id=BOB, username="bob",
                        values=[web2])
    done = bot.wait_done(picked["id"])
    assert "`web-2` restarted on @nas." in wd.visible_text(done), wd.visible_text(done)
    restarts = [r for r in wctl.requests("nas") if r["method"] == "POST" and "/restart" in r["path"]]
    assert [r["path"] for r in restarts] == ["/api/containers/web-2/restart"]
    assert restarts[0]["key_suffix"] == bot.keys[("bob", "nas")][-8:]
