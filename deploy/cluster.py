"""反诈助手 as a cluster of local processes: the layout Rasa scales out with.

    users ──> nginx ──> Rasa server ×2 ──> nginx ──> action server ×2
                          │        │
              PostgreSQL (tracker store)   Redis (lock store, channels' shared state)

Every process runs on loopback from the Debian packages (postgresql, redis-server, nginx)
and free ports; `make cluster` (`python -m deploy.cluster`) prints the URLs and Ctrl-C
stops everything it started. The cluster test and the bench start the same thing with
`cluster()`. On several machines the layout is the same; what changes is in
deploy/endpoints.yml (environment) and deploy/nginx.conf (upstreams).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from deploy.processes import (
    BIN,
    MODEL,
    ROOT,
    Service,
    action_server_args,
    free_port,
    http_ok,
    rasa_server_args,
    started,
    wait_until,
)

DEPLOY = ROOT / "deploy"
LOCK_LIFETIME = 20  # seconds a turn may hold its conversation; also how long a dead server's lock lasts
DEBIAN_PACKAGES = {"postgres": "postgresql", "redis-server": "redis-server", "nginx": "nginx"}


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server's bin folder (Debian keeps them versioned, off PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def executable(name: str) -> str | None:
    if name == "postgres":
        folder = postgres_bin()
        return str(folder / "postgres") if folder else None
    sbin = Path("/usr/sbin") / name  # nginx: not on a normal user's PATH
    return shutil.which(name) or (str(sbin) if sbin.exists() else None)


def missing_packages() -> list[str]:
    """Debian packages the cluster needs that are not installed."""
    return [package for name, package in DEBIAN_PACKAGES.items() if executable(name) is None]


@dataclasses.dataclass
class Cluster:
    """What `cluster()` started; `url` is nginx, where users' messages go."""

    url: str
    actions_url: str
    tracker_db_url: str
    knowledge_db_url: str
    redis_url: str
    redis_password: str
    postgres: Service
    redis: Service
    nginx: Service
    rasa: list[Service]
    actions: list[Service]
    workdir: Path

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    @property
    def access_log(self) -> Path:
        """nginx's log: one line per request with the server(s) that answered it."""
        return self.workdir / "nginx-access.log"

    def redis_cli(self, *args: str) -> str:
        """Output of `redis-cli` against this cluster's Redis (password through the environment)."""
        port = self.redis_url.rsplit(":", 1)[1].split("/")[0]
        return subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", port, *args],
            env={**os.environ, "REDISCLI_AUTH": self.redis_password},
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout


def _as_owner(user: str | None) -> dict:
    """Popen arguments that run a child as `user` (only root can switch)."""
    if user is None or os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _chown(path: Path, user: str | None) -> None:
    if user is not None and os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def private_folder(prefix: str, owner: str | None = None, mode: int = 0o700) -> Iterator[Path]:
    """A temporary folder outside `workdir` (whose parents another user may not enter)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        folder.chmod(mode)
        _chown(folder, owner)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[tuple[Service, str, str]]:
    """A throw-away PostgreSQL server (as user postgres when run by root): (service, tracker URL, knowledge URL)."""
    import psycopg2

    bindir = postgres_bin()
    owner = "postgres" if os.geteuid() == 0 else None
    admin_password, password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    with private_folder("fanzha-pg-", owner) as folder:
        (folder / "pw").write_text(admin_password)
        _chown(folder / "pw", owner)
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--auth=scram-sha-256",
                f"--pwfile={folder / 'pw'}",
            ],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=120,
            **_as_owner(owner),
        )
        (folder / "pw").unlink()
        port = free_port()
        args = [
            str(bindir / "postgres"),
            "-D",
            str(folder / "data"),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={folder}",
        ]
        # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
        with started(
            "postgres", args, workdir / "postgres.log", cwd=folder, stop_signal=signal.SIGINT, **_as_owner(owner)
        ) as service:
            admin = {"host": "127.0.0.1", "port": port, "user": "postgres", "password": admin_password}
            wait_until(lambda: psycopg2.connect(dbname="postgres", **admin).close() is None, [service], 60)
            connection = psycopg2.connect(dbname="postgres", **admin)
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("CREATE ROLE fanzha LOGIN PASSWORD %s", (password,))
                cursor.execute("CREATE DATABASE fanzha OWNER fanzha")
                cursor.execute("CREATE DATABASE fanzha_knowledge OWNER fanzha")
            connection.close()
            base = f"postgresql://fanzha:{password}@127.0.0.1:{port}"
            service.url = base
            yield service, f"{base}/fanzha", f"{base}/fanzha_knowledge"


@contextlib.contextmanager
def redis(workdir: Path) -> Iterator[tuple[Service, int, str]]:
    """A throw-away Redis on loopback with a password and no persistence: (service, port, password)."""
    import redis as redis_client

    port, password = free_port(), secrets.token_urlsafe(18)
    args = [
        executable("redis-server"),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--dir",
        str(workdir),
        "--protected-mode",
        "yes",
    ]
    # The password goes in through a private config file, not the command line (visible in ps).
    config = workdir / "redis.conf"
    config.write_text(f"requirepass {password}\n")
    config.chmod(0o600)
    with started("redis", [args[0], str(config), *args[1:]], workdir / "redis.log") as service:
        client = redis_client.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2)
        wait_until(client.ping, [service], 30)
        client.close()
        service.url = f"redis://127.0.0.1:{port}"
        yield service, port, password


def render(template: str, values: dict[str, str]) -> str:
    """Fill `{{ name }}` placeholders; every placeholder must have a value."""
    filled = re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], template)
    if "{{" in filled:
        raise ValueError(f"unfilled placeholder in {filled[filled.index('{{') :][:40]!r}")
    return filled


def upstream(ports: list[int]) -> str:
    # max_fails=1: one failure takes a server out for 10 s, so a dead one costs one retry, not one per message.
    return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports)


@contextlib.contextmanager
def nginx(
    workdir: Path, port: int, actions_port: int, rasa_ports: list[int], action_ports: list[int]
) -> Iterator[Service]:
    """nginx from deploy/nginx.conf; its workers run as nobody when started by root."""
    root = os.geteuid() == 0
    with private_folder("fanzha-nginx-", mode=0o755) as prefix:
        conf = prefix / "nginx.conf"
        conf.write_text(
            render(
                (DEPLOY / "nginx.conf").read_text(),
                {
                    "user": "user nobody nogroup;" if root else "",
                    "prefix": str(prefix),
                    "listen": f"127.0.0.1:{port}",
                    "actions_listen": f"127.0.0.1:{actions_port}",
                    "rasa_servers": upstream(rasa_ports),
                    "action_servers": upstream(action_ports),
                    "read_timeout": str(LOCK_LIFETIME + 60),
                    "access_log": str(workdir / "nginx-access.log"),
                },
            )
        )
        args = [executable("nginx"), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode:
            raise RuntimeError(f"nginx rejected its configuration:\n{check.stderr}")
        # SIGQUIT is nginx's graceful stop: requests in flight are finished.
        with started("nginx", args, workdir / "nginx.log", stop_signal=signal.SIGQUIT) as service:
            service.url = f"http://127.0.0.1:{port}"
            service.log = prefix / "error.log"
            yield service


def rasa_env(cluster_env: dict[str, str]) -> dict[str, str]:
    return {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME),
        **cluster_env,
    }


@contextlib.contextmanager
def cluster(
    workdir: Path,
    port: int | None = None,
    rasa_servers: int = 2,
    action_servers: int = 2,
    env: dict[str, str] | None = None,
    cors: tuple[str, ...] = (),
    credentials: Path | None = None,
    model: Path = MODEL,
    say: Callable[[str], None] = lambda _: None,
) -> Iterator[Cluster]:
    """Start PostgreSQL, Redis, action servers, Rasa servers and nginx; stop them all when the block ends.

    `env` is added to every Rasa and action server's environment (e.g. rate limits).
    """
    if not model.exists():
        raise RuntimeError(f"{model} is missing: run `make train` first")
    missing = missing_packages()
    if missing:
        raise RuntimeError(f"missing Debian packages: {' '.join(missing)} (make test-deps installs them)")
    from bot.knowledge.loader import build

    workdir.mkdir(parents=True, exist_ok=True)
    if credentials is None:
        credentials = workdir / "credentials.yml"
        credentials.write_text("bot.rasa_server.channels.rest.RestInput:\n")
    with contextlib.ExitStack() as stack:
        say("starting PostgreSQL and Redis ...")
        pg, tracker_db_url, knowledge_db_url = stack.enter_context(postgres(workdir))
        red, redis_port, redis_password = stack.enter_context(redis(workdir))
        build(knowledge_db_url)
        port = port or free_port()
        actions_port = free_port()
        shared_env = {
            "TRACKER_DB_URL": tracker_db_url,
            "DATABASE_URL": knowledge_db_url,
            "REDIS_URL": f"redis://:{redis_password}@127.0.0.1:{redis_port}/0",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(redis_port),
            "REDIS_PASSWORD": redis_password,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "TRUSTED_PROXIES": "127.0.0.1",  # nginx: the client is the address it forwards for
            **(env or {}),
        }
        say(f"starting {action_servers} action servers and {rasa_servers} Rasa servers (about a minute) ...")
        actions = []
        for _ in range(action_servers):
            action_port = free_port()
            args = action_server_args(action_port)
            service = stack.enter_context(
                started(
                    f"actions-{action_port}",
                    args,
                    workdir / f"actions-{action_port}.log",
                    {"SANIC_HOST": "127.0.0.1", **rasa_env(shared_env)},
                )
            )
            service.url = f"http://127.0.0.1:{action_port}"
            actions.append(service)
        servers = []
        for _ in range(rasa_servers):
            rasa_port = free_port()
            args = rasa_server_args(
                model, rasa_port, credentials, DEPLOY / "endpoints.yml", *(["--cors", *cors] if cors else [])
            )
            service = stack.enter_context(
                started(f"rasa-{rasa_port}", args, workdir / f"rasa-{rasa_port}.log", rasa_env(shared_env))
            )
            service.url = f"http://127.0.0.1:{rasa_port}"
            servers.append(service)
        everything = [pg, red, *actions, *servers]
        wait_until(lambda: all(http_ok(f"{s.url}/health") for s in actions), everything)
        wait_until(lambda: all(http_ok(f"{s.url}/webhooks/rest/") for s in servers), everything)
        proxy = stack.enter_context(
            nginx(workdir, port, actions_port, [port_of(s) for s in servers], [port_of(s) for s in actions])
        )
        wait_until(lambda: http_ok(f"{proxy.url}/webhooks/rest/"), [*everything, proxy], 30)
        try:
            yield Cluster(
                url=proxy.url,
                actions_url=shared_env["ACTION_ENDPOINT_URL"],
                tracker_db_url=tracker_db_url,
                knowledge_db_url=knowledge_db_url,
                redis_url=red.url,
                redis_password=redis_password,
                postgres=pg,
                redis=red,
                nginx=proxy,
                rasa=servers,
                actions=actions,
                workdir=workdir,
            )
        finally:
            say("stopping ...")


def port_of(service: Service) -> int:
    return int(service.url.rsplit(":", 1)[1])


def raise_on_term(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("RASA_PORT", "5005")),
        help="nginx's port for users' messages (default 5005, as `make run`)",
    )
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--rasa-servers", type=int, default=2)
    parser.add_argument("--action-servers", type=int, default=2)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, raise_on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started in the background
    web = f"http://127.0.0.1:{options.web_port}"
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fanzha-cluster-")))
        credentials = workdir / "credentials.yml"
        subprocess.run([str(BIN / "python"), "-m", "bot.ops.credentials", str(credentials)], cwd=ROOT, check=True)
        running = stack.enter_context(
            cluster(
                workdir,
                options.port,
                options.rasa_servers,
                options.action_servers,
                cors=(web, f"http://localhost:{options.web_port}"),
                credentials=credentials,
                say=lambda line: print(line, flush=True),
            )
        )
        page = stack.enter_context(
            started(
                "chat page",
                [
                    str(BIN / "python"),
                    str(ROOT / "scripts" / "serve_web.py"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(options.web_port),
                    "--rasa",
                    running.url,
                    "--quiet",
                ],
                workdir / "web.log",
            )
        )
        wait_until(lambda: http_ok(f"{web}/"), [page], 30)
        settings_file = workdir / "cluster.env"  # the passwords stay out of the terminal
        settings_file.touch(mode=0o600)
        settings_file.write_text(
            f"TRACKER_DB_URL={running.tracker_db_url}\nDATABASE_URL={running.knowledge_db_url}\n"
            f"REDIS_URL=redis://:{running.redis_password}@{running.redis_url[len('redis://') :]}/0\n"
        )
        servers = "\n".join(f"  Rasa server:    {s.url} (pid {s.pid})" for s in running.rasa)
        actions = "\n".join(f"  action server:  {s.url} (pid {s.pid})" for s in running.actions)
        print(
            f"""
反诈助手 cluster is up.
  chat page:      {web}/
  REST (nginx):   curl -s -XPOST {running.webhook} -d '{{"sender":"a","message":"我被骗了两万怎么办"}}'
{servers}
{actions}
  actions (nginx): {running.actions_url}
  PostgreSQL:     {running.postgres.url.split("@")[1]}/fanzha (pid {running.postgres.pid})
  Redis:          {running.redis_url} (pid {running.redis.pid})
  URLs with passwords: {settings_file}
  logs:           {workdir}
Stop with Ctrl-C.""",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            while all(s.process.poll() is None for s in [*running.rasa, *running.actions, running.nginx]):
                time.sleep(1)
            print("a server stopped: shutting the cluster down", flush=True)


if __name__ == "__main__":
    main()
