"""Marketplace data for the WAGMIOS simulator.

The real server fetches `manifest.json` and one markdown template per app from the
wagmios-marketplace repository. This module holds a frozen, hand-written stand-in:
40 apps whose ids are those of the real catalogue, with plausible images, ports,
environment variables and volumes.

Templates mirror the Go structs of the real server: `ports` are ints, an `environment`
entry is `{name, description, required, default?}` (`default` omitted when empty) and a
volume is `{name, description, required, default?}`. An app without environment
variables or volumes has `null` there (a nil Go slice), as the real server sends.
"""

from __future__ import annotations

import copy

import re

# The real catalogue's manifest leaves these empty.
CATALOGUE_VERSION = ""
CATALOGUE_UPDATED = ""
# Environment variable names the server accepts (for overrides and in templates).
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")

# template.category is a slug; the list shows the category's display name.
CATEGORY_NAMES = {
    "media-servers": "Media Servers", "ai-ml": "AI & ML", "home-automation": "Home Automation",
    "monitoring": "Monitoring", "networking": "Networking", "downloads": "Downloads",
    "security": "Security", "databases": "Databases", "productivity": "Productivity",
    "automation": "Automation", "development": "Development", "tools": "Tools",
    "gaming": "Gaming", "virtualization": "Virtualization", "management": "Management",
    "notifications": "Notifications", "storage": "Storage", "dashboards": "Dashboards",
}

# Apps whose markdown template the server cannot parse: GET /api/marketplace/{id} (and
# create) answer 500 TEMPLATE_FETCH_FAILED with the YAML error.
BROKEN_TEMPLATES = {
    "windows": ("failed to parse template for windows: yaml: unmarshal errors:\n"
                "  line 9: cannot unmarshal !!str `8006:8006` into int\n"
                "  line 10: cannot unmarshal !!str `3389:3389/tcp` into int"),
}
LOGO_BASE = "https://cdn.jsdelivr.net/gh/walkxcode/dashboard-icons/png"

_TZ = ("TZ", "Timezone for logs and schedules", False, "UTC")
_PUID = ("PUID", "User id that owns the files", False, "1000")
_PGID = ("PGID", "Group id that owns the files", False, "1000")
_LSIO = [_PUID, _PGID, _TZ]

# id: (name, category, description, image, ports, env, volumes, verified, popularity)
# env entries: (name, description, required, default); volumes: (name, description, required, default)
_APPS: dict[str, tuple] = {
    "jellyfin": ("Jellyfin", "media-servers", "Free software media system to stream your movies, shows and music",
                 "jellyfin/jellyfin:latest", [8096], [_TZ],
                 [("config", "Server configuration", True, "./config"),
                  ("cache", "Transcoding cache", False, "./cache"),
                  ("media", "Your media library", True, "./media")], True, 9.6),
    "plex": ("Plex", "media-servers", "Organise and stream your personal media collection anywhere",
             "plexinc/pms-docker:latest", [32400],
             [_TZ, ("PLEX_CLAIM", "Claim token from plex.tv/claim", True, "")],
             [("config", "Plex database and metadata", True, "./config"),
              ("media", "Your media library", True, "./media")], True, 9.4),
    "immich": ("Immich", "media-servers", "Self-hosted photo and video backup with face recognition",
               "ghcr.io/immich-app/immich-server:release", [2283],
               [("DB_PASSWORD", "Password of the Postgres database", True, ""),
                ("UPLOAD_LOCATION", "Where uploaded photos are stored", False, "./library"), _TZ],
               [("library", "Photo and video library", True, "./library")], True, 9.3),
    "sonarr": ("Sonarr", "media-servers", "Smart PVR for TV shows: monitors, grabs and sorts episodes",
               "lscr.io/linuxserver/sonarr:latest", [8989], _LSIO,
               [("config", "Sonarr configuration", True, "./config"),
                ("tv", "TV library", True, "./tv"),
                ("downloads", "Download client folder", True, "./downloads")], True, 8.8),
    "radarr": ("Radarr", "media-servers", "Movie collection manager for Usenet and BitTorrent users",
               "lscr.io/linuxserver/radarr:latest", [7878], _LSIO,
               [("config", "Radarr configuration", True, "./config"),
                ("movies", "Movie library", True, "./movies"),
                ("downloads", "Download client folder", True, "./downloads")], True, 8.7),
    "prowlarr": ("Prowlarr", "media-servers", "Indexer manager that syncs with the *arr apps",
                 "lscr.io/linuxserver/prowlarr:latest", [9696], None,
                 [("config", "Prowlarr configuration", True, "./config")], True, 8.1),
    "ollama": ("Ollama", "ai-ml", "Run large language models locally",
               "ollama/ollama:latest", [11434], None,
               [("models", "Downloaded models", True, "./models")], True, 9.1),
    "openwebui": ("Open WebUI", "ai-ml", "Friendly chat interface for Ollama and OpenAI-compatible APIs",
                  "ghcr.io/open-webui/open-webui:main", [8080],
                  [("OLLAMA_BASE_URL", "URL of the Ollama server", False, "http://host.docker.internal:11434"),
                   ("WEBUI_SECRET_KEY", "Secret used to sign sessions", False, "")],
                  [("data", "Users, chats and settings", True, "./data")], True, 8.9),
    "homeassistant": ("Home Assistant", "home-automation", "Open source home automation that puts local control first",
                      "ghcr.io/home-assistant/home-assistant:stable", [8123], [_TZ],
                      [("config", "Home Assistant configuration", True, "./config")], True, 9.5),
    "uptime-kuma": ("Uptime Kuma", "monitoring", "Fancy self-hosted monitoring tool with status pages",
                    "louislam/uptime-kuma:1", [3001], None,
                    [("data", "Monitors and history", True, "./data")], True, 9.0),
    "grafana": ("Grafana", "monitoring", "Dashboards and visualisation for metrics and logs",
                "grafana/grafana:latest", [3000],
                [("GF_SECURITY_ADMIN_PASSWORD", "Initial admin password", True, "admin")],
                [("data", "Dashboards and plugins", True, "./data")], True, 8.6),
    "prometheus": ("Prometheus", "monitoring", "Metrics collection and time-series database",
                   "prom/prometheus:latest", [9090], None,
                   [("config", "prometheus.yml and rules", True, "./config"),
                    ("data", "TSDB storage", True, "./data")], True, 8.4),
    "glances": ("Glances", "monitoring", "Cross-platform system monitoring in the browser",
                "nicolargo/glances:latest-full", [61208],
                None, None, False, 7.2),
    "nginx": ("NGINX", "networking", "High performance web server and reverse proxy",
              "nginx:alpine", [80], [_TZ],
              [("html", "Static site content", False, "./html")], True, 8.5),
    "pihole": ("Pi-hole", "networking", "Network-wide ad blocking via your own DNS server",
               "pihole/pihole:latest", [53, 80],
               [_TZ, ("WEBPASSWORD", "Admin web interface password", True, "")],
               [("etc-pihole", "Pi-hole configuration", True, "./etc-pihole")], True, 9.2),
    "adguard-home": ("AdGuard Home", "networking", "Network-wide ads and trackers blocking DNS server",
                     "adguard/adguardhome:latest", [53, 3000], None,
                     [("work", "Working directory", True, "./work"),
                      ("conf", "Configuration", True, "./conf")], True, 8.3),
    "wireguard": ("WireGuard", "networking", "Fast, modern VPN server with peer configs",
                  "lscr.io/linuxserver/wireguard:latest", [51820],
                  _LSIO + [("SERVERURL", "Public hostname or auto", False, "auto"),
                           ("PEERS", "Number of peers to generate", False, "1")],
                  [("config", "Server and peer configuration", True, "./config")], True, 8.0),
    "gluetun": ("Gluetun", "networking", "VPN client container to route other containers through a VPN",
                "qmcgaw/gluetun:latest", [8000],
                [("VPN_SERVICE_PROVIDER", "VPN provider name, e.g. mullvad", True, ""),
                 ("VPN_TYPE", "openvpn or wireguard", False, "wireguard")],
                None, False, 7.6),
    "transmission": ("Transmission", "downloads", "Lightweight BitTorrent client with a web UI",
                     "lscr.io/linuxserver/transmission:latest", [9091], None,
                     [("config", "Client configuration", True, "./config"),
                      ("downloads", "Completed downloads", True, "./downloads")], True, 7.8),
    "qbittorrent": ("qBittorrent", "downloads", "Feature-rich BitTorrent client with a web UI",
                    "lscr.io/linuxserver/qbittorrent:latest", [8080],
                    _LSIO + [("WEBUI_PORT", "Port of the web interface", False, "8080")],
                    [("config", "Client configuration", True, "./config"),
                     ("downloads", "Completed downloads", True, "./downloads")], True, 8.2),
    "jackett": ("Jackett", "downloads", "API support for your favourite torrent trackers",
                "lscr.io/linuxserver/jackett:latest", [9117], None, None, False, 6.9),
    "vaultwarden": ("Vaultwarden", "security", "Lightweight Bitwarden-compatible password manager server",
                    "vaultwarden/server:latest", [80],
                    [("ADMIN_TOKEN", "Token for the /admin page", False, ""),
                     ("SIGNUPS_ALLOWED", "Allow new accounts", False, "true")],
                    [("data", "Vault database and attachments", True, "./data")], True, 9.0),
    "influxdb": ("InfluxDB", "databases", "Time series database for metrics and events",
                 "influxdb:2", [8086],
                 [("DOCKER_INFLUXDB_INIT_MODE", "setup to initialise on first start", False, "setup"),
                  ("DOCKER_INFLUXDB_INIT_USERNAME", "Initial admin user", True, "admin"),
                  ("DOCKER_INFLUXDB_INIT_PASSWORD", "Initial admin password", True, "")],
                 [("data", "Database files", True, "./data")], True, 7.4),
    "supabase": ("Supabase", "databases", "Open source Firebase alternative built on Postgres",
                 "supabase/studio:latest", [8000],
                 [("POSTGRES_PASSWORD", "Password of the Postgres database", True, ""),
                  ("JWT_SECRET", "Secret used to sign JWTs", True, ""),
                  ("studio_port", "Port of Supabase Studio", False, "3000")],
                 [("db", "Postgres data", True, "./volumes/db")], False, 7.9),
    "nextcloud": ("Nextcloud", "productivity", "Files, calendar and contacts on your own server",
                  "nextcloud:latest", [80],
                  [("NEXTCLOUD_ADMIN_USER", "Initial admin user", False, "admin"),
                   ("NEXTCLOUD_ADMIN_PASSWORD", "Initial admin password", False, "")],
                  [("html", "Nextcloud installation and data", True, "./html")], True, 9.1),
    "filebrowser": ("File Browser", "productivity", "Web file manager for a directory of your server",
                    "filebrowser/filebrowser:latest", [80], None, None, True, 7.7),
    "puter": ("Puter", "productivity", "Internet desktop and cloud OS in the browser",
              "ghcr.io/heyputer/puter:latest", [4100], [_TZ],
              [("config", "Puter configuration", True, "./config"),
               ("data", "User files", True, "./data")], False, 7.1),
    "n8n": ("n8n", "automation", "Workflow automation with 400+ integrations",
            "docker.n8n.io/n8nio/n8n:latest", [5678],
            [_TZ, ("N8N_ENCRYPTION_KEY", "Key that encrypts stored credentials", False, "")],
            [("data", "Workflows and credentials", True, "./data")], True, 8.8),
    "novu": ("Novu", "development", "Notification infrastructure for developers",
             "ghcr.io/novuhq/novu/web:latest", [4200],
             [("JWT_SECRET", "Secret used to sign sessions", True, "")], None, False, 6.5),
    "rsshub": ("RSSHub", "tools", "Generate RSS feeds from almost anything",
               "diygod/rsshub:latest", [1200], None, None, False, 7.0),
    "web-check": ("Web Check", "tools", "All-in-one OSINT tool for analysing any website",
                  "lissy93/web-check:latest", [3000], None, None, False, 6.8),
    "openclaw": ("OpenClaw", "ai-ml", "Personal AI assistant gateway for your chat apps",
                 "ghcr.io/openclaw/openclaw:latest", [18789],
                 [("OPENCLAW_GATEWAY_TOKEN", "Token clients use to reach the gateway", True, "")],
                 [("config", "Assistant configuration", True, "./config")], False, 7.3),
    "minecraft": ("Minecraft Server", "gaming", "Java Edition Minecraft server with mod loader support",
                  "itzg/minecraft-server:latest", [25565],
                  [("EULA", "Set to TRUE to accept the Minecraft EULA", True, ""),
                   ("TYPE", "Server type: VANILLA, PAPER, FORGE...", False, "VANILLA"),
                   ("MEMORY", "Java heap size", False, "2G")],
                  [("data", "World and server files", True, "./data")], True, 8.5),
    "windows": ("Windows", "virtualization", "Windows inside a Docker container, reachable from the browser",
                "dockurr/windows:latest", [8006],
                [("VERSION", "Windows version to install", False, "11"),
                 ("RAM_SIZE", "Memory given to the VM", False, "4G")],
                [("storage", "Virtual disk", True, "./storage")], False, 7.5),
    "portainer": ("Portainer CE", "management", "Container management UI for Docker",
                  "portainer/portainer-ce:latest", [9443], None,
                  [("data", "Portainer database", True, "./data")], True, 8.6),
    "traefik": ("Traefik", "networking", "Cloud native reverse proxy with automatic HTTPS",
                "traefik:v3.1", [80, 8080], None, None, True, 8.2),
    "ntfy": ("ntfy", "notifications", "Send push notifications to your phone via HTTP",
             "binwiederhier/ntfy:latest", [80], None, None, True, 7.6),
    "syncthing": ("Syncthing", "storage", "Continuous peer-to-peer file synchronisation",
                  "syncthing/syncthing:latest", [8384, 22000], _LSIO[:2],
                  [("data", "Synchronised folders", True, "./data")], True, 8.4),
    "paperless-ngx": ("Paperless-ngx", "productivity", "Scan, index and archive all your documents",
                      "ghcr.io/paperless-ngx/paperless-ngx:latest", [8000],
                      [("PAPERLESS_SECRET_KEY", "Secret used to sign sessions", True, ""),
                       ("PAPERLESS_OCR_LANGUAGE", "OCR language", False, "eng"), _TZ],
                      [("data", "Database and index", True, "./data"),
                       ("media", "Archived documents", True, "./media")], True, 8.9),
    "homarr": ("Homarr", "dashboards", "Sleek dashboard for your homelab services",
               "ghcr.io/homarr-labs/homarr:latest", [7575],
               [("SECRET_ENCRYPTION_KEY", "64 hex chars used to encrypt secrets", True, "")],
               [("appdata", "Homarr data", True, "./appdata")], True, 8.0),
}


def _env(entries):
    if entries is None:
        return None
    out = []
    for name, desc, required, default in entries:
        e = {"name": name, "description": desc, "required": required}
        if default:
            e["default"] = default
        out.append(e)
    return out


def _vols(entries):
    if entries is None:
        return None
    out = []
    for name, desc, required, default in entries:
        v = {"name": name, "description": desc, "required": required}
        if default:
            v["default"] = default
        out.append(v)
    return out


def app_ids() -> list[str]:
    return list(_APPS)


def manifest() -> dict:
    apps = []
    for app_id, (name, cat, desc, _image, ports, _env_, _vols_, verified, pop) in _APPS.items():
        apps.append({
            "id": app_id, "name": name, "description": desc, "category": CATEGORY_NAMES[cat],
            "logo": f"{LOGO_BASE}/{app_id}.png", "defaultPort": ports[0] if ports else 0,
            "verified": verified, "popularity": pop,
        })
    return {"version": CATALOGUE_VERSION, "updated": CATALOGUE_UPDATED, "apps": apps}


def app_meta(app_id: str) -> dict | None:
    for a in manifest()["apps"]:
        if a["id"] == app_id:
            return a
    return None


def template_error(app_id: str) -> str | None:
    return BROKEN_TEMPLATES.get(app_id)


def template(app_id: str) -> dict | None:
    if app_id not in _APPS:
        return None
    name, cat, desc, image, ports, env, vols, _v, _p = _APPS[app_id]
    return {
        "id": app_id, "name": name, "category": cat, "description": desc, "image": image,
        "ports": list(ports), "environment": copy.deepcopy(_env(env)),
        "volumes": copy.deepcopy(_vols(vols)),
    }


def raw_markdown(app_id: str) -> str:
    """The compose block of the app's markdown (what the real server returns)."""
    t = template(app_id)
    if t is None:
        return ""
    lines = ["services:", f"  {app_id}:", f"    image: {t['image']}"]
    if t["ports"]:
        lines.append("    ports:")
        lines += [f'      - "{p}:{p}"' for p in t["ports"]]
    if t["environment"]:
        lines.append("    environment:")
        for e in t["environment"]:
            default = e.get("default", "")
            lines.append(f"      - {e['name']}=${{{e['name']}:-{default}}}" if default
                         else f"      - {e['name']}=${{{e['name']}}}")
    if t["volumes"]:
        lines.append("    volumes:")
        lines += [f"      - ./{v['name']}:/{v['name']}" for v in t["volumes"]]
    lines.append("    restart: unless-stopped")
    return "\n".join(lines)


def build_compose(app_id: str, service: str, env_overrides: dict, port_overrides: dict) -> str:
    """Render the docker-compose.yml the real server writes on create.

    Raises ValueError (-> COMPOSE_BUILD_FAILED) for a bad port override or a template
    variable whose name the server's own rule rejects. A required variable without a value
    is written empty (the server does not enforce `required`).
    """
    t = template(app_id)
    assert t is not None
    for h, c in port_overrides.items():
        if not re.fullmatch(r"\d{1,5}", h) or not 1 <= int(h) <= 65535 or not 1 <= c <= 65535:
            raise ValueError(f"invalid port mapping {h!r}: {c}")
    for e in t["environment"] or []:
        if not ENV_NAME_RE.match(e["name"]):
            raise ValueError(f"invalid environment variable name {e['name']!r} in template")
    lines = ["services:", f"  {service}:", f"    image: {t['image']}"]
    if t["ports"] or port_overrides:
        lines.append("    ports:")
        lines += [f'      - "{p}:{p}"' for p in t["ports"]]
        lines += [f'      - "{h}:{c}"' for h, c in port_overrides.items()]
    known = {e["name"] for e in (t["environment"] or [])}
    if t["environment"] or env_overrides:
        lines.append("    environment:")
        for e in t["environment"] or []:
            val = env_overrides.get(e["name"], e.get("default", ""))
            if val:
                lines.append(f"      - {e['name']}={val}")
        for k, v in env_overrides.items():
            if k not in known:
                lines.append(f"      - {k}={v}")
    if t["volumes"]:
        lines.append("    volumes:")
        lines += [f"      - ./{service}/{v['name']}:/{v['name']}" for v in t["volumes"]]
    lines.append("    restart: unless-stopped")
    return "\n".join(lines) + "\n"
