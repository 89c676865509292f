"""Every command family through Matrix: what the human sees (m.text, HTML + plain body,
m.mentions, reply relation) and which WAGMIOS calls were made."""

from __future__ import annotations

import re

import pytest

import wagbot_matrix as wm
from wagbot_matrix import action_calls, body, calls, confirmation_id, container, content, html, reply_to

pytestmark = pytest.mark.timeout(120)


def assert_notice_reply(e: dict, to: str) -> None:
    """The shape every reply has: an m.text (an answer, as a person writes it; alerts are
    notices) with HTML and a plain body, m.mentions, a reply."""
    c = content(e)
    assert c["msgtype"] == "m.text"
    assert c["format"] == "org.matrix.custom.html" and c["formatted_body"]
    assert c["body"].strip()
    assert "m.mentions" in c
    assert c["m.relates_to"]["m.in_reply_to"]["event_id"] == to


# ---------------------------------------------------------------------------- read commands

def test_ps_in_a_direct_chat_needs_no_prefix_and_renders_a_table(world):
    w = world
    room = w.bot.dm(w.alice)
    eid = w.alice.send_text(room, "ps")
    r = w.alice.wait_for(reply_to(w.bot, room, eid))
    assert_notice_reply(r, eid)
    assert content(r)["m.mentions"] == {}
    h = html(r)
    # A list, one container an item: it fits a phone's width, unlike a table of five columns.
    assert "<table>" not in h and "<ul>" in h
    nginx_id = container(w.ctl, "nas", "nginx")["id"][:12]
    assert re.search(rf"<li><b>nginx</b> — [^<]*running · nginx:alpine · 8080→80 · {nginx_id}</li>",
                     h), h
    assert h.count("<li>") == 6
    # The plain body reads without a monospace font: no padded columns.
    plain = body(r)
    assert plain.startswith("6 containers on @nas, 5 running")
    nginx = next(l for l in plain.splitlines() if l.startswith("• nginx "))
    assert nginx == f"• nginx — ● running · nginx:alpine · 8080→80 · {nginx_id}", nginx
    assert re.search(r"^• redis — \S* ?exited", plain, re.M)
    assert "  " not in plain
    assert calls(w.ctl, "nas") == ["GET /api/settings", "GET /api/containers"]
    assert calls(w.ctl, "media") == []


def test_logs_in_a_group_room_come_as_a_code_block(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    w.ctl.append_logs("nas", "nginx", [f"marker line {i} <b>&" for i in range(1, 6)])
    eid = w.alice.send_text(room, "!wag logs nginx 5")
    r = w.alice.wait_for(reply_to(w.bot, room, eid))
    assert_notice_reply(r, eid)
    assert "Last 5 lines of `nginx` on @nas" in body(r)
    assert body(r).splitlines()[1:] == [f"marker line {i} <b>&" for i in range(1, 6)]
    code = re.search(r"<pre><code>(.*?)</code></pre>", html(r), re.S)
    assert code, html(r)
    assert code.group(1).splitlines() == [f"marker line {i} &lt;b&gt;&amp;" for i in range(1, 6)]
    assert [c for c in calls(w.ctl, "nas") if "/logs" in c] == ["GET /api/containers/nginx/logs?tail=5"]


def test_status_shows_the_keys_scopes(world):
    w = world
    room = w.bot.group(w.alice)
    r = w.bot.ask(w.alice, room, "!wag status")
    assert_notice_reply(r, r["content"]["m.relates_to"]["m.in_reply_to"]["event_id"])
    assert body(r).startswith("@nas:") or "@nas" in body(r)
    assert "…" + w.alice_key[-8:] in body(r) and "role admin" in body(r)
    assert w.alice_key not in body(r) + html(r)
    assert set(calls(w.ctl, "nas")) == {"GET /api/settings"}


def test_apps_of_a_category(world):
    w = world
    room = w.bot.group(w.alice)
    r = w.bot.ask(w.alice, room, "!wag apps media")
    assert re.search(r"^• jellyfin\b", body(r), re.M) and re.search(r"^• plex\b", body(r), re.M)
    assert not re.search(r"^• vaultwarden\b", body(r), re.M)
    assert "<li><b>jellyfin ✓</b>" in html(r), html(r)
    assert action_calls(w.ctl, "nas") == ["GET /api/marketplace"]


def test_help_and_unknown_command(world):
    w = world
    room = w.bot.group(w.alice)
    r = w.bot.ask(w.alice, room, "!wag help")
    assert "<ul><li>" in html(r)
    for usage in ("ps [@host|all]", "logs &lt;container&gt; [lines] [@host]", "restart &lt;container&gt; [@host]",
                  "key add &lt;host&gt; [url] &lt;wag_live_…&gt;", "confirm [id]"):
        assert usage in html(r), usage
    assert "logs <container> [lines] [@host]" in body(r)
    u = w.bot.ask(w.alice, room, "!wag frobnicate now")
    assert "Unknown command `frobnicate`" in body(u)
    assert "<code>frobnicate</code>" in html(u)
    bare = w.bot.ask(w.alice, room, "!wag")  # the prefix alone is `help`
    assert "<ul><li>" in html(bare)
    w.alice.invite(room, w.bob.user_id)
    w.bob.join(room)
    not_admin = w.bot.ask(w.bob, room, "!wag audit")
    assert "`audit` is for wagbot admins only" in body(not_admin)
    assert calls(w.ctl, "nas") == [] and calls(w.ctl, "media") == []


def test_every_other_read_command_family(world):
    w = world
    room = w.bot.dm(w.alice)
    nginx_id = container(w.ctl, "nas", "nginx")["id"]
    hosts = w.bot.ask(w.alice, room, "hosts")
    assert "@nas" in body(hosts) and "…" + w.alice_key[-8:] in body(hosts) and "@media" in body(hosts)
    inspect = w.bot.ask(w.alice, room, "inspect ngi")
    assert "`nginx` on @nas" in body(inspect) and nginx_id in body(inspect)
    images = w.bot.ask(w.alice, room, "images")
    assert "8 images on @nas" in body(images) and "<ul><li>" in html(images)
    app = w.bot.ask(w.alice, room, "app jellyfin")
    assert "Jellyfin (`jellyfin`, Media Servers)" in body(app)
    installed = w.bot.ask(w.alice, room, "installed")
    assert "No marketplace apps are installed on @nas" in body(installed)
    templates = w.bot.ask(w.alice, room, "templates")
    assert "Templates on @nas" in body(templates) and "static-site" in body(templates)
    template = w.bot.ask(w.alice, room, "template static-site")
    assert '"image": "nginx:alpine"' in body(template) and "<pre><code>" in html(template)
    keys = w.bot.ask(w.alice, room, "key list")
    assert "…" + w.alice_key[-8:] in body(keys) and w.alice_key not in body(keys)
    default = w.bot.ask(w.alice, room, "default nas")
    assert "now go to @nas" in body(default)
    assert action_calls(w.ctl, "nas") == [
        f"GET /api/containers/nginx/config", "GET /api/marketplace/jellyfin",
        "GET /api/marketplace/installed", "GET /api/containers/templates",
        "GET /api/containers/templates/static-site"]


# ---------------------------------------------------------------------------- write commands

def test_restart_runs_at_once_exactly_once(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    r = w.bot.ask(w.alice, room, "!wag restart redis")
    assert "`redis` restarted on @nas" in body(r)
    assert "Confirm" not in body(r)
    (req,) = [x for x in w.ctl.requests("nas") if x["method"] == "POST"]
    assert req["path"] == "/api/containers/redis/restart" and req["key_suffix"] == w.alice_key[-8:]
    assert action_calls(w.ctl, "nas") == ["POST /api/containers/redis/restart"]
    assert container(w.ctl, "nas", "redis")["status"] == "running"


def test_every_other_write_command_family(world):
    """start, pull, template save, then the confirmed ones by the text fallback: rm, rmi, run,
    install; and key remove. Each call happens exactly once, with alice's key."""
    w = world
    room = w.bot.dm(w.alice)
    started = w.bot.ask(w.alice, room, "start redis")
    assert "`redis` started on @nas" in body(started)
    pulled = w.bot.ask(w.alice, room, "pull busybox:1.36")
    assert "Pulled `busybox:1.36` on @nas" in body(pulled)
    saved = w.bot.ask(w.alice, room, 'template save web {"image":"nginx:alpine"}')
    assert "Template `web` saved on @nas" in body(saved)
    hello = next(i for i in w.ctl.state("nas")["images"] if i["Repository"] == "hello-world")

    def confirmed(command: str) -> dict:
        ask = w.bot.ask(w.alice, room, command)
        cid = confirmation_id(ask)
        assert f"`!wag confirm {cid}` / `!wag cancel {cid}`" in body(ask)
        return w.bot.ask(w.alice, room, f"confirm {cid}")

    assert "`redis` deleted from @nas" in body(confirmed("rm redis"))
    assert "Image `hello-world:latest` deleted from @nas" in body(confirmed("rmi hello-world:latest"))
    ran = confirmed("run alpine:3.20 --name job -e MODE=test")
    assert "Container `job` (alpine:3.20) created on @nas" in body(ran)
    inst = confirmed("install jellyfin as films")
    assert "is installing on @nas" in body(inst)
    audit = w.bot.ask(w.alice, room, "audit 50")
    assert "audit entries, newest first" in body(audit) and "<ul><li>" in html(audit)
    for action in ("start", "pull", "template save", "rm", "rmi", "run", "install"):
        assert f" · {action} · " in body(audit), action
    assert f"matrix:{room}" in body(audit)
    removed = w.bot.ask(w.alice, room, "key remove nas")
    assert "Forgot your key for @nas" in body(removed)
    after = w.bot.ask(w.alice, room, "ps")
    assert "You have no WAGMIOS keys yet" in body(after)
    assert action_calls(w.ctl, "nas") == [
        "POST /api/containers/redis/start", "POST /api/images/pull", "POST /api/containers/templates",
        "POST /api/containers/redis/delete", f"DELETE /api/images/{hello['ID'][:12]}",
        "POST /api/containers",
        # install looks at the app's required settings before asking, and again when it runs
        "GET /api/marketplace/jellyfin", "GET /api/marketplace/jellyfin", "POST /api/marketplace/create",
        "POST /api/marketplace/start"]
    for r in w.ctl.requests("nas"):
        assert r["key_suffix"] == w.alice_key[-8:]


def test_key_add_in_a_direct_chat(world):
    w = world
    room = w.bot.dm(w.alice)
    key = w.bot.new_key("media", label="alice-media")
    eid = w.alice.send_text(room, f"key add media {key}")
    r = w.alice.wait_for(reply_to(w.bot, room, eid))
    assert f"Saved your key …{key[-8:]} for @media" in body(r)
    assert key not in body(r) + html(r)
    (probe,) = w.ctl.requests("media")
    assert probe["path"] == "/api/settings" and probe["key_suffix"] == key[-8:]
    ps = w.bot.ask(w.alice, room, "ps @media")
    assert "containers on @media" in body(ps)
    assert w.ctl.requests("media")[-1]["key_suffix"] == key[-8:]


# ---------------------------------------------------------------------------- addressing

def test_mention_addressing_and_unaddressed_chatter(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    lp = w.bot.localpart
    r1 = w.bot.ask(w.alice, room, f"{lp}: ps")
    assert "6 containers on @nas" in body(r1)
    r2 = w.bot.ask(w.alice, room, f"{w.bot.user_id} hosts")
    assert "@nas" in body(r2)
    # A pill: the plain body carries the display name, m.mentions the user id.
    r3 = w.bot.ask(w.alice, room, "The Bot: status", mentions=[w.bot.user_id],
                   html=f'<a href="https://matrix.to/#/{w.bot.user_id}">The Bot</a>: status')
    assert "@nas" in body(r3) and "…" + w.alice_key[-8:] in body(r3)
    # Unaddressed talk in a group room is not for the bot.
    w.alice.send_text(room, "ps")
    w.alice.send_text(room, "let's check the logs later")
    w.alice.expect_nothing(wm.from_bot(w.bot, room), within=1.5)
    assert calls(w.ctl, "nas").count("GET /api/containers") == 1


def test_reply_in_a_thread_lands_in_the_thread(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    root = w.alice.send_text(room, "incident: nginx looks slow")
    eid = w.bob.send_text(room, "!wag logs nginx 3", thread_root=root)
    r = w.bob.wait_for(reply_to(w.bot, room, eid))
    rel = content(r)["m.relates_to"]
    assert rel["rel_type"] == "m.thread" and rel["event_id"] == root
    assert rel["m.in_reply_to"]["event_id"] == eid
    assert "Last 3 lines of `nginx` on @nas" in body(r)
    assert w.ctl.requests("nas")[-1]["key_suffix"] == w.bob_key[-8:]


def test_notices_own_messages_edits_and_strangers_are_not_commands(world, humans):
    w = world
    room = w.bot.group(w.alice, w.bob)
    # another bot's m.notice
    w.alice.send_text(room, "!wag ps", notice=True)
    # the bot's own account (its registration device) typing a command
    self_human = wm.Human.from_registration(w.hs.url, w.bot.account)
    try:
        own = self_human.send_text(room, "!wag ps")
    finally:
        self_human.close()
    # an edit of an old message into a command
    old = w.alice.send_text(room, "hello")
    w.alice.edit(room, old, "!wag ps")
    w.alice.expect_nothing(lambda e: wm.any_bot_event(w.bot, room)(e) and e["event_id"] != own, within=2)
    assert calls(w.ctl, "nas") == []
    # a stranger is told how to get access, and nothing is called
    carol = humans("carol")
    w.alice.invite(room, carol.user_id)
    carol.join(room)
    r = w.bot.ask(carol, room, "!wag ps")
    assert "I don't know you yet" in body(r) and carol.user_id in body(r)
    assert calls(w.ctl, "nas") == []


# ---------------------------------------------------------------------------- presentation

def test_long_output_is_cut_to_one_message_keeping_the_newest_lines(world):
    w = world
    room = w.bot.dm(w.alice)
    lines = [f"line {i:04d} " + "x" * 180 for i in range(1000)]
    w.ctl.append_logs("nas", "nginx", lines)
    eid = w.alice.send_text(room, "logs nginx 1000")
    r = w.alice.wait_for(reply_to(w.bot, room, eid), timeout=20)
    c = content(r)
    assert "output cut to fit one message" in c["body"] and "output cut to fit one message" in c["formatted_body"]
    assert len(c["body"].encode()) < 60_000 and len(c["formatted_body"].encode()) < 60_000
    assert "line 0999 " in c["body"], "the newest lines are kept"
    assert "line 0000 " not in c["body"]
    assert [x for x in calls(w.ctl, "nas") if "/logs" in x] == ["GET /api/containers/nginx/logs?tail=1000"]


def test_a_typing_notice_while_a_slow_call_runs(world):
    w = world
    room = w.bot.dm(w.alice)
    w.ctl.set_faults("nas", latency_ms=2000, path_prefix="/api/containers/nginx/logs")
    eid = w.alice.send_text(room, "logs nginx 2")

    def typing(on: bool):
        def pred(e):
            return (e["_section"] == "ephemeral" and e["type"] == "m.typing" and e["room_id"] == room
                    and (w.bot.user_id in e["content"]["user_ids"]) == on)
        return pred

    w.alice.wait_for(typing(True), timeout=10)
    r = w.alice.wait_for(reply_to(w.bot, room, eid), timeout=15)
    assert "Last 2 lines" in body(r)
    w.alice.wait_for(typing(False), timeout=10)


def test_a_rich_reply_with_a_fallback_quote_is_read_as_the_command(world):
    w = world
    room = w.bot.group(w.alice, w.bob)
    first = w.bot.ask(w.alice, room, "!wag hosts")
    quoted = f"> <{w.bot.user_id}> {body(first).splitlines()[0]}\n\n!wag status"
    r = w.bot.ask(w.alice, room, quoted, reply_to=first["event_id"])
    assert "…" + w.alice_key[-8:] in body(r) and "role admin" in body(r)
