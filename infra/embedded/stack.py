"""The embedded stack: Apache Kafka 4.4, OpenSearch 2.5 and OpenSearch Dashboards 2.5 on 127.0.0.1, and
Elasticsearch 8.19 for the tests that run the search adapter against both engines.

Kafka is Apache Kafka itself, single node in KRaft combined mode, from its jars on Maven Central
(`infra/embedded/kafka/pom.xml`), with its log directory in the state folder (a restart keeps every topic, record
and committed offset).

    python infra/embedded/stack.py start [--only broker,opensearch,elasticsearch] [--json]
    python infra/embedded/stack.py stop | status [--json] | install

Everything lives in one state folder (default `.state/` in the checkout, `NEWSFLOW_STATE_DIR` to move it):
downloads, server homes, data, logs and pid files. `start` is idempotent: a server that is already running
from this state folder is reused. `stop` stops exactly the processes whose pid files it wrote.
Standard library only, so it runs before anything else is installed (Maven and a JDK 17 come from
`system-deps.sh`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from stack_install import DASHBOARDS, OPENSEARCH, InstallError, ensure_installed
from stack_os import prepare_service_user, service_user, system_jdk17

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("NEWSFLOW_STATE_DIR", REPO / ".state")).resolve()
# installed servers (read-only once installed): a second stack, such as a test's own, can share another's
SERVERS_DIR = Path(os.environ.get("NEWSFLOW_STACK_SERVERS_DIR", STATE / "servers")).resolve()
HOST = "127.0.0.1"  # never 0.0.0.0: the embedded stack is for this machine only
OPENSEARCH_HEAP = os.environ.get("NEWSFLOW_STACK_OPENSEARCH_HEAP", "512m")
KAFKA_HEAP = os.environ.get("NEWSFLOW_STACK_KAFKA_HEAP", "512m")
KAFKA_VERSION = "4.4.0"  # the version in infra/embedded/kafka/pom.xml and docker-compose.yml
ELASTICSEARCH_HEAP = os.environ.get("NEWSFLOW_STACK_ELASTICSEARCH_HEAP", "512m")
ELASTICSEARCH_VERSION = "8.19.21"  # the version in infra/embedded/elasticsearch/pom.xml and docker-compose.yml


def _port(name: str, default: int) -> tuple[int, str]:
    variable = f"NEWSFLOW_STACK_{name}_PORT"
    return int(os.environ.get(variable, default)), variable


class StackError(RuntimeError):
    """A server could not be started; the message names it and says where to look."""


@dataclass
class Server:
    name: str
    port: int
    port_variable: str  # the environment variable that moves it
    cmdline_marker: str  # a string in /proc/PID/cmdline that proves the pid is still our server
    ready_timeout: float
    pid_file: Path = field(init=False)
    log_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self.pid_file = STATE / "run" / f"{self.name}.pid"
        self.log_file = STATE / "logs" / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if self.cmdline_marker.encode() in cmdline else None

    def is_ready(self) -> bool:
        raise NotImplementedError

    def launch(self) -> None:
        raise NotImplementedError

    def start(self, log) -> str:
        if self.running_pid() is not None:
            self.wait_ready()
            return "reused"
        if _port_open(self.port):
            raise StackError(f"{self.name}: port {self.port} is taken by a process this stack did not start; "
                             f"stop it or set {self.port_variable}")
        for folder in (self.pid_file.parent, self.log_file.parent):
            folder.mkdir(parents=True, exist_ok=True)
        log(f"starting {self.name} on {self.url} ...")
        self.launch()
        self.wait_ready()
        return "started"

    def wait_ready(self) -> None:
        began = time.monotonic()
        while (waited := time.monotonic() - began) < self.ready_timeout:
            if self.is_ready():
                return
            # opensearch writes its pid file a few seconds in; give every server that long to appear
            if waited > 15 and self.running_pid() is None:
                raise StackError(f"{self.name} exited during start-up; see {self.log_file}")
            time.sleep(0.3)
        raise StackError(f"{self.name} not ready after {self.ready_timeout:.0f} s; see {self.log_file}")

    def stop(self) -> bool:
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while self.running_pid() == pid and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.running_pid() == pid:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _spawn(self, cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
               as_service_user: bool = False) -> subprocess.Popen:
        user = service_user() if as_service_user else None
        with self.log_file.open("ab") as log_out:
            return subprocess.Popen(
                cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                stdout=log_out, stderr=subprocess.STDOUT, start_new_session=True,
                user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
            )


class Broker(Server):
    """Apache Kafka, broker and controller in one JVM, run by its main class: the Maven jars come without the
    distribution's bin/ and config/, so the configuration is written here. Single node: the internal topics
    (offsets, transaction state) have one replica and need one in sync, or transactions hang."""

    @property
    def controller_port(self) -> int:
        return int(os.environ.get("NEWSFLOW_STACK_KAFKA_CONTROLLER_PORT", self.port + 1))

    def launch(self) -> None:
        if _port_open(self.controller_port):
            raise StackError(f"{self.name}: controller port {self.controller_port} is taken; set "
                             "NEWSFLOW_STACK_KAFKA_CONTROLLER_PORT")
        lib = self._jars()
        base = STATE / "kafka"
        (base / "data").mkdir(parents=True, exist_ok=True)
        config = base / "server.properties"
        config.write_text(self._properties(base / "data"))
        (base / "log4j2.yaml").write_text(_KAFKA_LOG4J)
        java = [str(system_jdk17() / "bin" / "java")]
        classpath = ["-cp", f"{lib}/*"]
        if not (base / "data" / "meta.properties").exists():  # formatted once; a restart keeps the data
            cluster = subprocess.run([*java, *classpath, "kafka.tools.StorageTool", "random-uuid"],
                                     capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            formatted = subprocess.run([*java, *classpath, "kafka.tools.StorageTool", "format", "-t", cluster,
                                        "-c", str(config), "--standalone"], capture_output=True, text=True)
            if formatted.returncode != 0:
                raise StackError(f"formatting Kafka's log directory failed: {formatted.stderr[-500:]}")
        proc = self._spawn([*java, f"-Xms{KAFKA_HEAP}", f"-Xmx{KAFKA_HEAP}",
                            f"-Dlog4j2.configurationFile={base / 'log4j2.yaml'}", *classpath, "kafka.Kafka",
                            str(config)])
        self.pid_file.write_text(f"{proc.pid}\n")

    def is_ready(self) -> bool:
        """Ready when requests are served (ApiVersions), consumer groups have a coordinator, and a transactional
        producer can initialise: the transaction coordinator is found and hands out a producer id. Coordinators
        need their internal topics, which the first FindCoordinator creates (and a restart reloads): until then
        they answer error 15."""
        try:
            with socket.create_connection((HOST, self.port), timeout=2) as sock:
                if _kafka_error(_kafka_request(sock, 18, 0, b"")) != 0:  # ApiVersions v0
                    return False
                for key_type in (0, 1):  # a consumer group's coordinator, then a transaction's
                    find = _kafka_string(_READINESS_ID) + struct.pack(">b", key_type)
                    if _kafka_error(_kafka_request(sock, 10, 1, find), throttled=True) != 0:  # FindCoordinator v1
                        return False
                init = _kafka_string(_READINESS_ID) + struct.pack(">i", 10_000)
                return _kafka_error(_kafka_request(sock, 22, 0, init), throttled=True) == 0  # InitProducerId v0
        except (OSError, struct.error):
            return False

    def _jars(self) -> Path:
        """Kafka's jars, fetched once by Maven (which verifies every checksum) into the state folder."""
        lib = SERVERS_DIR / f"kafka-{KAFKA_VERSION}" / "lib"
        if not (lib / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
            _maven_copy("kafka", f"Apache Kafka {KAFKA_VERSION}'s jars", lib)
        return lib

    def _properties(self, data: Path) -> str:
        controller = f"{HOST}:{self.controller_port}"
        return "\n".join([
            "process.roles=broker,controller", "node.id=1", f"controller.quorum.bootstrap.servers={controller}",
            f"listeners=PLAINTEXT://{HOST}:{self.port},CONTROLLER://{controller}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{self.port}", "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT", f"log.dirs={data}",
            "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1", "min.insync.replicas=1",
            # a killed worker's open transaction is aborted within a second of its timeout (default: 10 s later)
            "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
            "auto.create.topics.enable=false",  # topics are created explicitly, with their partitions
            "group.initial.rebalance.delay.ms=0",  # one node, no stragglers to wait for
            "message.max.bytes=16777216",  # NEWSFLOW_MAX_MESSAGE_BYTES' default
            "",
        ])


_READINESS_ID = "newsflow-stack-readiness"  # the transactional id the readiness check initialises


def _kafka_request(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    """One request on the Kafka wire protocol (request header v1); returns the response after its correlation id."""
    client_id = b"newsflow-stack"
    message = struct.pack(">hhih", api_key, version, 1, len(client_id)) + client_id + body
    sock.sendall(struct.pack(">i", len(message)) + message)
    size = struct.unpack(">i", _receive(sock, 4))[0]
    return _receive(sock, size)[4:]


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("the broker closed the connection")
        data += chunk
    return data


def _kafka_error(response: bytes, throttled: bool = False) -> int:
    """The error code at the start of a response body (after throttle_time_ms where the version has one)."""
    return struct.unpack_from(">h", response, 4 if throttled else 0)[0]


def _kafka_string(text: str) -> bytes:
    encoded = text.encode()
    return struct.pack(">h", len(encoded)) + encoded


_KAFKA_LOG4J = """Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
"""


class SearchServer(Server):
    """OpenSearch and Elasticsearch start alike: their configuration in the state folder, one node on 127.0.0.1,
    daemonised by their own script as the service user (both refuse root), ready at yellow health."""

    product: str  # the name of its start script and config file ("opensearch", "elasticsearch")
    node_name: str

    def home(self) -> Path:
        raise NotImplementedError

    def extra_settings(self) -> str:
        return ""

    def environment(self, home: Path, conf: Path) -> dict[str, str]:
        raise NotImplementedError

    def launch(self) -> None:
        home = self.home()
        base = STATE / self.name
        conf = base / "config"
        if not conf.exists():
            shutil.copytree(home / "config", conf)
        (conf / f"{self.product}.yml").write_text(
            f"cluster.name: newsflow\nnode.name: {self.node_name}\nnetwork.host: {HOST}\nhttp.port: {self.port}\n"
            f"transport.port: {self.port + 100}\ndiscovery.type: single-node\n"
            f"path.data: {base / 'data'}\npath.logs: {base / 'logs'}\n"
            # a developer's disk may be fuller than the default watermarks allow: do not go read-only
            "cluster.routing.allocation.disk.threshold_enabled: false\n" + self.extra_settings()
        )
        _absolute_jvm_paths(conf / "jvm.options", base / "logs")
        for sub in ("data", "logs"):
            (base / sub).mkdir(exist_ok=True)
        # the server writes its own pid file, so the run folder must be writable by its user too
        prepare_service_user([base, self.log_file.parent, self.pid_file.parent], REPO)
        self.pid_file.unlink(missing_ok=True)
        proc = self._spawn([str(home / "bin" / self.product), "-d", "-p", str(self.pid_file)],
                           env=self.environment(home, conf), cwd=home, as_service_user=True)
        if proc.wait(timeout=120) != 0:
            raise StackError(f"{self.product} failed to daemonise (exit {proc.returncode}); see {self.log_file} "
                             f"and {base / 'logs'}")

    def is_ready(self) -> bool:
        return _http_ok(f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s")


class OpenSearch(SearchServer):
    product, node_name = "opensearch", "newsflow-1"

    def home(self) -> Path:
        return ensure_installed(OPENSEARCH, SERVERS_DIR, log=print)

    def environment(self, home: Path, conf: Path) -> dict[str, str]:
        return {
            "OPENSEARCH_JAVA_HOME": str(system_jdk17()),
            "OPENSEARCH_PATH_CONF": str(conf),
            "OPENSEARCH_JAVA_OPTS": f"-Xms{OPENSEARCH_HEAP} -Xmx{OPENSEARCH_HEAP}",
            # without it the first refresh of an index with a knn_vector field kills the node
            "LD_LIBRARY_PATH": str(home / "plugins" / "opensearch-knn" / "lib"),
        }


class Elasticsearch(SearchServer):
    """Elasticsearch from Elastic's integration-test archive on Maven Central, for the search adapter's tests
    against both engines (`make run` and Dashboards use OpenSearch). The archive has no bundled JDK: the
    system's JDK 17 runs it. Security is off: it listens on 127.0.0.1 only, like every server here."""

    product, node_name = "elasticsearch", "newsflow-es-1"

    def extra_settings(self) -> str:
        return "xpack.security.enabled: false\n"

    def environment(self, home: Path, conf: Path) -> dict[str, str]:
        return {"ES_JAVA_HOME": str(system_jdk17()), "ES_PATH_CONF": str(conf),
                "ES_JAVA_OPTS": f"-Xms{ELASTICSEARCH_HEAP} -Xmx{ELASTICSEARCH_HEAP}"}

    def home(self) -> Path:
        """The archive, fetched once by Maven (checksum verified) and unpacked with its file modes."""
        home = SERVERS_DIR / f"elasticsearch-{ELASTICSEARCH_VERSION}"
        if (home / ".newsflow-installed").exists():
            return home
        download = SERVERS_DIR / ".download-elasticsearch"
        _maven_copy("elasticsearch", f"Elasticsearch {ELASTICSEARCH_VERSION}", download)
        shutil.rmtree(home, ignore_errors=True)
        with zipfile.ZipFile(download / f"elasticsearch-{ELASTICSEARCH_VERSION}.zip") as archive:
            for member in archive.infolist():
                path = Path(archive.extract(member, home.parent))
                mode = member.external_attr >> 16
                if mode and not member.is_dir():
                    path.chmod(mode & 0o777)
        shutil.rmtree(download)
        (home / ".newsflow-installed").touch()
        return home


class Dashboards(Server):
    def launch(self) -> None:
        home = ensure_installed(DASHBOARDS, SERVERS_DIR, log=print)
        base = STATE / "dashboards"
        (base / "config").mkdir(parents=True, exist_ok=True)
        (base / "data").mkdir(exist_ok=True)
        (base / "config" / "opensearch_dashboards.yml").write_text(
            f'server.host: "{HOST}"\nserver.port: {self.port}\n'
            f'opensearch.hosts: ["{SERVERS["opensearch"].url}"]\npath.data: {base / "data"}\n'
        )
        prepare_service_user([base, self.log_file.parent], REPO)
        proc = self._spawn([str(home / "bin" / "opensearch-dashboards")],
                           env={"OSD_PATH_CONF": str(base / "config")}, cwd=home, as_service_user=True)
        self.pid_file.write_text(f"{proc.pid}\n")

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as resp:
                status = json.load(resp)
        except (OSError, ValueError):
            return False
        return status.get("status", {}).get("overall", {}).get("state") == "green"


SERVERS: dict[str, Server] = {
    "broker": Broker("broker", *_port("KAFKA", 9092), "kafka.Kafka", ready_timeout=120),
    "opensearch": OpenSearch("opensearch", *_port("OPENSEARCH", 9200), "org.opensearch.bootstrap", 180),
    "dashboards": Dashboards("dashboards", *_port("DASHBOARDS", 5601), "opensearch-dashboards", 180),
    "elasticsearch": Elasticsearch("elasticsearch", *_port("ELASTICSEARCH", 9210),
                                   "org.elasticsearch.bootstrap.Elasticsearch", 180),
}
DEFAULT_SERVERS = ("broker", "opensearch", "dashboards")  # `make run`; Elasticsearch only when asked (tests)


def _maven_copy(pom_folder: str, what: str, output: Path) -> None:
    """Copy the artifacts listed in infra/embedded/<pom_folder>/pom.xml into `output` (Maven verifies every
    checksum); a failure leaves no half-filled folder behind."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(f"Maven is needed to fetch {what}: apt-get install maven")
    print(f"fetching {what} from Maven Central ...", file=sys.stderr)
    fetched = subprocess.run([mvn, "-q", "-B", "--strict-checksums", "-f",
                              str(Path(__file__).parent / pom_folder / "pom.xml"), "dependency:copy-dependencies",
                              f"-DoutputDirectory={output}", "-DincludeScope=runtime"], capture_output=True, text=True)
    if fetched.returncode != 0:
        shutil.rmtree(output, ignore_errors=True)
        raise StackError(f"Maven could not fetch {what}: {fetched.stdout[-800:]}{fetched.stderr[-400:]}")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return resp.status == 200
    except OSError:
        return False


def _absolute_jvm_paths(jvm_options: Path, logs: Path) -> None:
    """The shipped jvm.options uses paths relative to the server home, which is not writable by us."""
    text = jvm_options.read_text()
    text = text.replace("-XX:HeapDumpPath=data", f"-XX:HeapDumpPath={logs}")
    text = text.replace("-XX:ErrorFile=logs/", f"-XX:ErrorFile={logs}/")
    text = text.replace("file=logs/gc.log", f"file={logs}/gc.log")
    jvm_options.write_text(text)


def endpoints() -> dict:
    return {
        "state_dir": str(STATE),
        "kafka_bootstrap": f"{HOST}:{SERVERS['broker'].port}",
        "opensearch_url": SERVERS["opensearch"].url,
        "dashboards_url": SERVERS["dashboards"].url,
        "elasticsearch_url": SERVERS["elasticsearch"].url,
    }


def cmd_start(names: list[str], as_json: bool) -> int:
    log = (lambda msg: print(msg, file=sys.stderr)) if as_json else print
    began = time.monotonic()
    result = {**endpoints(), "servers": {}}
    for name in names:
        result["servers"][name] = SERVERS[name].start(log)
        log(f"{name:<13} {result['servers'][name]:<8} {SERVERS[name].url}")
    result["seconds"] = round(time.monotonic() - began, 1)
    print(json.dumps(result) if as_json else f"stack ready in {result['seconds']} s (state in {STATE})")
    return 0


def cmd_status(as_json: bool) -> int:
    status = {name: ("ready" if srv.is_ready() else "starting") if srv.running_pid() else "stopped"
              for name, srv in SERVERS.items()}
    if as_json:
        print(json.dumps({**endpoints(), "servers": status}))
    else:
        for name, state in status.items():
            print(f"{name:<13} {state:<9} {SERVERS[name].url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "install"])
    parser.add_argument("--only", help="comma-separated servers (default: start the broker, OpenSearch and "
                                       "Dashboards; stop and install all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args(argv)
    default = DEFAULT_SERVERS if args.command == "start" else SERVERS
    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else list(default)
    unknown = set(names) - set(SERVERS)
    if unknown:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    try:
        if args.command == "start":
            return cmd_start(names, args.json)
        if args.command == "status":
            return cmd_status(args.json)
        if args.command == "install":
            for tarball in (OPENSEARCH, DASHBOARDS):
                print(ensure_installed(tarball, SERVERS_DIR))
            return 0
        for name in reversed(names):  # stop dashboards before the engine it talks to
            print(f"{name:<13} {'stopped' if SERVERS[name].stop() else 'not running'}")
        return 0
    except (InstallError, StackError) as exc:
        print(f"newsflow stack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
