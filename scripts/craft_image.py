#!/usr/bin/env python3
"""Craft container image archives for imgtui's private test engines (stdlib only).

No registry is reachable from tests, so images are written as archives and fed to
`docker load` (docker-save format: manifest.json + <config>.json + <layer>/layer.tar,
accepted by Docker 20.10 and by Docker 28 with the containerd store) or to
`ctr images import` (OCI image layout, for bulk images on Docker 28).

Everything is deterministic (fixed mtimes, owners, pseudo-random bytes from SHAKE-256),
so the same image always gets the same ID on a given engine.

Usage:
  craft_image.py seed OUTDIR [--busybox PATH]
      Writes the standard seed set as one archive per `docker load` step, plus
      OUTDIR/plan.txt listing the archives in the order they must be loaded.
  craft_image.py bulk-docker OUT.tar N [--start K]
      One docker-save archive with N images bulk/img-<i>:latest sharing one layer.
  craft_image.py bulk-oci OUT.tar N [--start K]
      The same images as an OCI layout for `ctr -n moby images import`.
  craft_image.py probe OUT.tar K
      One image perf/probe:K with its own 64 KiB layer (larger than any bulk image, so it
      sorts to the top by size): scripts/perf.sh loads it to time an event reaching the screen.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

# A fixed mtime for every tar member: identical input gives identical digests.
EPOCH = 1577836800  # 2020-01-01T00:00:00Z
DEFAULT_CREATED = "2020-01-01T00:00:00Z"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pseudo_random(seed, size):
    """Incompressible but reproducible bytes."""
    return hashlib.shake_256(seed.encode()).digest(size)


def _info(name, kind, mode, size=0, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.size = size
    ti.linkname = linkname
    ti.mtime = EPOCH
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def make_layer(files):
    """files: list of (path, bytes | ('symlink', target) | ('dir',), mode).

    Parent directories are added automatically so the layer unpacks anywhere.
    Returns the uncompressed layer tar bytes.
    """
    buf = io.BytesIO()
    seen_dirs = set()
    tar = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
    try:
        for path, content, mode in files:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in seen_dirs:
                    seen_dirs.add(d)
                    tar.addfile(_info(d, tarfile.DIRTYPE, 0o755))
            if isinstance(content, tuple) and content[0] == "symlink":
                tar.addfile(_info(path, tarfile.SYMTYPE, 0o777, linkname=content[1]))
            elif isinstance(content, tuple) and content[0] == "dir":
                if path not in seen_dirs:
                    seen_dirs.add(path)
                    tar.addfile(_info(path, tarfile.DIRTYPE, mode))
            else:
                tar.addfile(_info(path, tarfile.REGTYPE, mode, size=len(content)),
                            io.BytesIO(content))
        end = tar.offset
    finally:
        tar.close()
    # Keep the two end-of-archive blocks but drop tarfile's padding to 10 KiB, so a layer's
    # size follows its content (as with Go's archive/tar) and small images differ in Size.
    return buf.getvalue()[:end + 2 * tarfile.BLOCKSIZE]


def make_config(layers, labels=None, created=DEFAULT_CREATED, cmd=None, history_note=""):
    """Image config JSON bytes. Labels keep their real control characters: json.dumps
    escapes C0 controls as \\u001b (JSON cannot hold them raw) and writes everything
    else, including U+009B and U+202E, as raw UTF-8."""
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Env": [PATH_ENV],
            "Cmd": cmd or ["sh"],
            "Labels": labels or None,
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha256(l) for l in layers]},
        "history": [{"created": created, "created_by": "imgtui craft_image.py " + history_note}
                    for _ in layers],
    }
    return json.dumps(config, ensure_ascii=False, sort_keys=True).encode("utf-8")


class Image:
    def __init__(self, tags, layers, **config_kw):
        self.tags = list(tags)
        self.layers = layers
        self.config = make_config(layers, **config_kw)


def _add_bytes(tar, name, data):
    tar.addfile(_info(name, tarfile.REGTYPE, 0o644, size=len(data)), io.BytesIO(data))


def write_docker_archive(path, images):
    """docker-save format; layers shared between images are stored once."""
    manifest = []
    written = set()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for img in images:
            layer_paths = []
            for layer in img.layers:
                h = sha256(layer)
                lp = h + "/layer.tar"
                if h not in written:
                    written.add(h)
                    tar.addfile(_info(h, tarfile.DIRTYPE, 0o755))
                    _add_bytes(tar, h + "/VERSION", b"1.0")
                    _add_bytes(tar, lp, layer)
                layer_paths.append(lp)
            ch = sha256(img.config)
            if ch not in written:
                written.add(ch)
                _add_bytes(tar, ch + ".json", img.config)
            manifest.append({"Config": ch + ".json", "RepoTags": img.tags or None,
                             "Layers": layer_paths})
        _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())


def write_oci_archive(path, images):
    """OCI image layout; `io.containerd.image.name` gives ctr the full image name."""
    oci_manifest = "application/vnd.oci.image.manifest.v1+json"
    blobs = {}
    index = []

    def blob(data):
        h = sha256(data)
        blobs.setdefault(h, data)
        return h

    for img in images:
        layer_descs = [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": "sha256:" + blob(l), "size": len(l)} for l in img.layers]
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": oci_manifest,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + blob(img.config), "size": len(img.config)},
            "layers": layer_descs,
        }, sort_keys=True).encode()
        for tag in img.tags:
            index.append({
                "mediaType": oci_manifest,
                "digest": "sha256:" + blob(manifest),
                "size": len(manifest),
                "annotations": {"io.containerd.image.name": normalize_ref(tag),
                                "org.opencontainers.image.ref.name": tag.rsplit(":", 1)[1]},
            })
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        _add_bytes(tar, "index.json", json.dumps(
            {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": index}).encode())
        tar.addfile(_info("blobs", tarfile.DIRTYPE, 0o755))
        tar.addfile(_info("blobs/sha256", tarfile.DIRTYPE, 0o755))
        for h, data in blobs.items():
            _add_bytes(tar, "blobs/sha256/" + h, data)


def normalize_ref(tag):
    """bulk/img-1:latest -> docker.io/bulk/img-1:latest (what dockerd expects in containerd)."""
    first = tag.split("/", 1)[0]
    if "/" not in tag:
        return "docker.io/library/" + tag
    if "." in first or ":" in first or first == "localhost":
        return tag
    return "docker.io/" + tag


# ---------------------------------------------------------------------------
# The standard seed set (documented in scripts/test-engine.sh).

ESC, BEL, CSI8 = "\x1b", "\x07", "\u009b"

HOSTILE_LABELS = {
    "hostile.title": ESC + "]0;pwned" + BEL,
    "hostile.clear": ESC + "[2J",
    "hostile.color": ESC + "[31mred",
    "hostile.cr": "before\rafter",
    "hostile.backspace": "abc\b\b\bxyz",
    "hostile.bidi": "abc\u202Edcba",
    "hostile.c1csi": "c1" + CSI8 + "2J",
    "hostile.wide": "漢字テスト🐳",
    "hostile.zwj": "👩\u200D💻",
    "hostile.key" + ESC + "[7m": "key with ESC",
}


def tiny_layer(name, payload):
    return make_layer([("imgtui/" + name, payload, 0o644)])


def seed_steps(busybox_path):
    """Ordered list of (archive name, [Image]); each archive is one `docker load`.
    Tag moves (rebuilt, reused) need separate loads so the engine sees a retag and
    keeps the earlier image as dangling."""
    steps = []

    small = Image(["imgtui-test/small:1"], [tiny_layer("small", b"small\n" * 256)],
                  labels={"org.opencontainers.image.title": "small", "com.example.team": "core"},
                  history_note="small")
    big = Image(["imgtui-test/big:1"],
                [make_layer([("imgtui/big.bin", pseudo_random("imgtui-big", 2 * 1024 * 1024), 0o644)])],
                labels={"org.opencontainers.image.title": "big"}, history_note="big")
    multi = Image(["imgtui-test/multi:a", "imgtui-test/multi:b", "localhost:5000/team/app:1.2"],
                  [tiny_layer("multi", b"multi\n" * 512)], labels={"imgtui.kind": "multi"},
                  history_note="multi")
    # Same layer, same config length, one label value differs: equal Size, different ID.
    tie_layer = tiny_layer("tie", b"tie\n" * 300)
    tie_x = Image(["imgtui-test/tie:x"], [tie_layer], labels={"imgtui.tie": "x"}, history_note="tie")
    tie_y = Image(["imgtui-test/tie:y"], [tie_layer], labels={"imgtui.tie": "y"}, history_note="tie")
    many = Image(["imgtui-test/labels:many"], [tiny_layer("labels", b"labels\n")],
                 labels={"label.key.%03d" % i: "value %03d" % i for i in range(60)},
                 history_note="labels")
    hostile = Image(["imgtui-test/hostile:1"], [tiny_layer("hostile", b"hostile\n")],
                    labels=dict(HOSTILE_LABELS), history_note="hostile")
    old = Image(["imgtui-test/old:1"], [tiny_layer("old", b"old\n" * 100)],
                created="2015-01-01T00:00:00Z", history_note="old")
    future = Image(["imgtui-test/future:1"], [tiny_layer("future", b"future\n" * 100)],
                   created="2099-01-01T00:00:00Z", history_note="future")

    with open(busybox_path, "rb") as f:
        bb = f.read()
    applets = ["sh", "sleep", "true", "false", "echo", "ls", "cat", "env", "ps"]
    bb_files = [("bin/busybox", bb, 0o755)] + [("bin/" + a, ("symlink", "busybox"), 0o777)
                                                 for a in applets]
    bb_files += [(d, ("dir",), 0o755) for d in ("dev", "proc", "sys", "etc", "tmp")]
    busybox = Image(["imgtui-test/busybox:latest"], [make_layer(bb_files)],
                    labels={"imgtui.kind": "busybox"}, history_note="busybox")

    steps.append(("base.tar", [small, big, multi, tie_x, tie_y, many, hostile, old, future,
                               busybox]))
    # Three builds of one tag: the first two become dangling, with distinct sizes.
    # Payloads 4 KiB apart, so sizes differ on Docker 28 too (it adds 4 KiB-block disk usage).
    for n, size in ((1, 2048), (2, 6144), (3, 10240)):
        steps.append(("rebuilt-%d.tar" % n, [Image(
            ["imgtui-test/rebuilt:latest"],
            [tiny_layer("rebuilt", pseudo_random("imgtui-rebuilt-%d" % n, size))],
            labels={"imgtui.rebuilt": str(n)}, history_note="rebuilt %d" % n)]))
    # reused v1 gets a container before v2 takes its tag (done by test-engine.sh).
    for n, size in ((1, 14336), (2, 18432)):
        steps.append(("reused-%d.tar" % n, [Image(
            ["imgtui-test/reused:latest"],
            [tiny_layer("reused", pseudo_random("imgtui-reused-%d" % n, size))],
            labels={"imgtui.reused": str(n)}, cmd=["/imgtui/reused"],
            history_note="reused %d" % n)]))
    return steps


def bulk_images(n, start):
    # One shared tiny layer; configs differ by a label, so every image has its own ID.
    layer = tiny_layer("bulk", b"bulk\n")
    return [Image(["bulk/img-%d:latest" % i], [layer], labels={"imgtui.bulk": str(i)},
                  history_note="bulk") for i in range(start, start + n)]


def probe_image(k):
    payload = pseudo_random("imgtui-probe-%d" % k, 64 * 1024)
    return Image(["perf/probe:%d" % k], [tiny_layer("probe", payload)],
                 labels={"imgtui.probe": str(k)}, history_note="probe")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    s.add_argument("outdir")
    s.add_argument("--busybox", default="/bin/busybox")
    for name in ("bulk-docker", "bulk-oci"):
        b = sub.add_parser(name)
        b.add_argument("out")
        b.add_argument("n", type=int)
        b.add_argument("--start", type=int, default=1)
    b = sub.add_parser("probe")
    b.add_argument("out")
    b.add_argument("k", type=int)
    a = p.parse_args(argv)

    if a.cmd == "seed":
        os.makedirs(a.outdir, exist_ok=True)
        names = []
        for name, images in seed_steps(a.busybox):
            write_docker_archive(os.path.join(a.outdir, name), images)
            names.append(name)
        with open(os.path.join(a.outdir, "plan.txt"), "w") as f:
            f.write("\n".join(names) + "\n")
    elif a.cmd == "probe":
        write_docker_archive(a.out, [probe_image(a.k)])
    elif a.cmd == "bulk-docker":
        write_docker_archive(a.out, bulk_images(a.n, a.start))
    else:
        write_oci_archive(a.out, bulk_images(a.n, a.start))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
