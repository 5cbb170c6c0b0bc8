"""Image pipeline benchmark: a 12 MP JPEG and a 4 MP PNG through the full upload path (validate, strip,
renditions, store) against the same bytes PUT raw into the same bucket with boto3, and rendition making
against libvips alone (`vipsthumbnail` when installed, else libvips's thumbnail operation called directly);
then the time and memory of the worst images the limits accept (bench/image_cost.py).

Run it with `make bench-images`. Uses SPACES_* and POSTGRES_* when set, else starts a SeaweedFS and the embedded
PostgreSQL of .devdata/pg like the tests do."""

import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def make_samples(folder: Path) -> dict[str, Path]:
    """Photo-like test images: smooth gradients with grain, as a camera produces."""
    import pyvips

    def photo(width: int, height: int) -> pyvips.Image:
        x = pyvips.Image.xyz(width, height)
        red = (x[0] * 255 / width).cast("uchar")
        green = (x[1] * 255 / height).cast("uchar")
        blue = ((x[0] + x[1]) * 255 / (width + height)).cast("uchar")
        grain = pyvips.Image.gaussnoise(width, height, sigma=3, mean=0)
        return (red.bandjoin([green, blue]) + grain).cast("uchar")

    samples = {"12 MP JPEG": folder / "photo-12mp.jpg", "4 MP PNG": folder / "graphic-4mp.png"}
    photo(4000, 3000).jpegsave(str(samples["12 MP JPEG"]), Q=85)
    photo(2309, 1732).pngsave(str(samples["4 MP PNG"]), compression=6)
    return samples


def child(kind: str, sample: str) -> None:
    """One measurement in a fresh process, so its peak memory is its own. Prints JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    import boto3
    import pyvips
    from django.conf import settings
    from django.core.files.storage import default_storage

    from images.processing import process_image, rendition_widths
    from images.storage import discard_objects, release_objects
    from images.uploads import store_uploaded_image
    from images.validation import validate_image

    data = Path(sample).read_bytes()
    widths = tuple(settings.IMAGE_RENDITION_WIDTHS)
    default_storage.exists("warm-up")  # connect first: the raw PUT's client is made before its clock starts too
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if kind == "upload":
        stored = store_uploaded_image(file=io.BytesIO(data), folder="bench")
        elapsed = time.perf_counter() - started
        release_objects(stored.names)
        objects = {name: default_storage.open(name).read() for name in stored.names}
        discard_objects(stored.names)
        extra: dict[str, object] = {"objects": {name: len(body) for name, body in objects.items()}}
        Path(sample + ".objects.json").write_text(json.dumps({name: body.hex() for name, body in objects.items()}))
    elif kind == "raw_put":
        objects = {
            name: bytes.fromhex(body) for name, body in json.loads(Path(sample + ".objects.json").read_text()).items()
        }
        options = settings.STORAGES["default"]["OPTIONS"]
        client = boto3.client(
            "s3",
            endpoint_url=options["endpoint_url"],
            aws_access_key_id=options["access_key"],
            aws_secret_access_key=options["secret_key"],
            region_name=options.get("region_name") or "us-east-1",
        )
        started = time.perf_counter()
        for name, body in objects.items():
            client.put_object(Bucket=options["bucket_name"], Key=f"{options['location']}/raw/{name}", Body=body)
        elapsed = time.perf_counter() - started
        for name in objects:
            client.delete_object(Bucket=options["bucket_name"], Key=f"{options['location']}/raw/{name}")
        extra = {}
    elif kind == "ours":
        validated = validate_image(io.BytesIO(data))
        started = time.perf_counter()
        process_image(data, validated.format, widths=widths)
        elapsed = time.perf_counter() - started
        extra = {}
    elif kind == "libvips":
        width = pyvips.Image.new_from_file(sample).width
        vipsthumbnail = shutil.which("vipsthumbnail")
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            for size in rendition_widths(width, widths):
                if vipsthumbnail:
                    subprocess.run(  # noqa: S603 - a benchmark of a local tool
                        [vipsthumbnail, sample, "--size", f"{size}x", "-o", f"{out}/%s_{size}.webp[Q=80]"], check=True
                    )
                else:
                    pyvips.Image.thumbnail(sample, size, height=100_000, size="down").webpsave(
                        f"{out}/{size}.webp", Q=80
                    )
            elapsed = time.perf_counter() - started
        extra = {"tool": "vipsthumbnail" if vipsthumbnail else "libvips thumbnail (pyvips)"}
    else:
        raise SystemExit(f"unknown kind {kind}")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline_rss
    print(json.dumps({"seconds": elapsed, "peak_extra_mib": peak_kib / 1024, **extra}))


def measure(kind: str, sample: Path, env: dict[str, str]) -> dict:
    runs = []
    for _ in range(RUNS):
        output = subprocess.run(  # noqa: S603 - this very script
            [sys.executable, __file__, "child", kind, str(sample)], env=env, cwd=ROOT, capture_output=True, text=True
        )
        if output.returncode != 0:
            raise SystemExit(output.stderr)
        runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
    result = dict(runs[-1])
    result["seconds"] = statistics.median(run["seconds"] for run in runs)
    result["peak_extra_mib"] = max(run["peak_extra_mib"] for run in runs)
    return result


def worst_accepted_table() -> list[str]:
    """What the costliest images that the default limits accept cost to validate and process (strip, four
    renditions, placeholder; storing not included), each in a fresh process: median time, highest peak."""
    from bench.image_cost import measure_in_subprocess, photo_jpeg, worst_accepted

    samples = {**worst_accepted(), "40 MP photo-like JPEG": photo_jpeg}
    lines = [
        f"Worst accepted uploads (default limits; validate + strip + renditions; median time of {RUNS}, "
        "highest peak = extra resident memory)",
        "",
        "| image | bytes | frames | time | peak |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        for label, make in samples.items():
            path = Path(folder) / "image"
            path.write_bytes(make())
            runs = [measure_in_subprocess(str(path)) for _ in range(RUNS)]
            seconds = statistics.median(run["seconds"] for run in runs)
            peak = max(run["peak_bytes"] for run in runs)
            lines.append(
                f"| {label} | {path.stat().st_size / 1e3:.0f} KB | {runs[0]['frames']} "
                f"| {seconds * 1000:.0f} ms | {peak / 2**20:.0f} MiB |"
            )
    return lines


def main() -> None:
    sys.path.insert(0, str(ROOT))
    env = dict(os.environ)
    server = None
    if not any(env.get(f"POSTGRES_{part}") for part in ("HOST", "DB", "USER")):
        from devservices.postgres import postgres_environment, start_embedded_postgres

        env.update(postgres_environment(start_embedded_postgres()))  # held until this process exits
    if not env.get("SPACES_BUCKET_NAME"):
        from devservices.s3 import start_seaweedfs

        server = start_seaweedfs()
        env.update(
            **server.environment(),
            SPACES_ROOT_FOLDER="bench",
            IMAGE_MAX_BYTES=str(50 * 1024 * 1024),
        )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    lines = [
        f"Image pipeline benchmark (median of {RUNS} runs; peak = extra resident memory of the run)",
        "",
        "| image | full upload | raw PUT of its objects | renditions (ours) | libvips alone "
        "| renditions ratio | upload ratio | upload peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        for label, sample in make_samples(Path(folder)).items():
            upload = measure("upload", sample, env)
            raw = measure("raw_put", sample, env)
            ours = measure("ours", sample, env)
            alone = measure("libvips", sample, env)
            renditions_ratio = ours["seconds"] / alone["seconds"]
            upload_ratio = upload["seconds"] / (raw["seconds"] + alone["seconds"])
            lines.append(
                f"| {label} ({sample.stat().st_size / 1e6:.1f} MB, {len(upload['objects'])} objects) "
                f"| {upload['seconds'] * 1000:.0f} ms | {raw['seconds'] * 1000:.0f} ms "
                f"| {ours['seconds'] * 1000:.0f} ms "
                f"| {alone['seconds'] * 1000:.0f} ms ({alone['tool']}) | **{renditions_ratio:.2f}x** (goal ≤ 1.2) "
                f"| **{upload_ratio:.2f}x** (goal ≤ 1.3) | {upload['peak_extra_mib']:.0f} MiB |"
            )
    lines += [
        "",
        "renditions ratio = our processing (strip + renditions + placeholder) / libvips making the same renditions;",
        "upload ratio = full upload / (raw PUT of the same objects + libvips renditions).",
        "",
        *worst_accepted_table(),
    ]
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "images.md").write_text(report + "\n")
    if server is not None:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2], sys.argv[3])
    else:
        main()
