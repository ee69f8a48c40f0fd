#!/usr/bin/env python3
"""Offline `cargo audit`-style check of Cargo.lock against a local RustSec advisory DB.

Usage:
    python3 scripts/audit.py [--db DIR] [--lock Cargo.lock]
    python3 scripts/audit.py --self-test

The DB directory is a copy (full or partial) of github.com/rustsec/advisory-db:
advisories are read from DIR/crates/<crate>/RUSTSEC-*.md (or from anywhere below
DIR if it has no crates/ subdirectory). Default DB: $IMGTUI_ADVISORY_DB, else
~/.cache/imgtui-advisories.

Exit status: 0 = no vulnerabilities, 1 = at least one vulnerability applies,
2 = usage error (missing DB / lock file, unsupported Python).
Informational advisories (unmaintained, unsound, notice, ...) are printed as
warnings and never change the exit status. Withdrawn advisories are ignored.
"""

import argparse
import os
import re
import sys
from pathlib import Path

try:
    import tomllib  # Python >= 3.11; the advisory front matter is real TOML
except ModuleNotFoundError:  # pragma: no cover - depends on interpreter
    sys.exit("audit.py needs Python 3.11+ (for tomllib); found " + sys.version.split()[0])


# --------------------------------------------------------------------------
# Versions and requirements (Cargo's flavour of semver)
# --------------------------------------------------------------------------

_VERSION_RE = re.compile(
    r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


class Version:
    """A full semver version; build metadata is dropped (it never affects order)."""

    __slots__ = ("major", "minor", "patch", "pre")

    def __init__(self, major, minor, patch, pre=()):
        self.major, self.minor, self.patch = major, minor, patch
        self.pre = tuple(pre)

    @classmethod
    def parse(cls, text):
        m = _VERSION_RE.match(text.strip())
        if not m:
            raise ValueError(f"not a semver version: {text!r}")
        pre = tuple(m.group(4).split(".")) if m.group(4) else ()
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)

    def _key(self):
        # A release sorts after all of its pre-releases; pre-release identifiers
        # compare numerically when numeric, numbers before words (semver 2.0 §11).
        if not self.pre:
            pre_key = (1,)
        else:
            pre_key = (0,) + tuple(
                (0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre
            )
        return (self.major, self.minor, self.patch, pre_key)

    def __lt__(self, other):
        return self._key() < other._key()

    def __le__(self, other):
        return self._key() <= other._key()

    def __gt__(self, other):
        return self._key() > other._key()

    def __ge__(self, other):
        return self._key() >= other._key()

    def __eq__(self, other):
        return isinstance(other, Version) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        pre = "-" + ".".join(self.pre) if self.pre else ""
        return f"{self.major}.{self.minor}.{self.patch}{pre}"


def _floor(major, minor=0, patch=0):
    """Lowest version of a release line, *including* its pre-releases.

    Upper bounds derived from ^, ~, wildcards and partial versions use this so
    that e.g. `^1.2` stops before 2.0.0-alpha instead of letting it slip in.
    "0" is the smallest possible pre-release identifier.
    """
    return Version(major, minor, patch, ("0",))


_COMPARATOR_RE = re.compile(
    r"^(>=|<=|>|<|=|\^|~)?\s*"
    r"(\*|[xX]|\d+)(?:\.(\*|[xX]|\d+))?(?:\.(\*|[xX]|\d+))?"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def _comparator_bounds(text):
    """Turn one comparator (e.g. ">= 1.2", "^0.4.2", "1.*") into (op, Version) checks."""
    m = _COMPARATOR_RE.match(text.strip())
    if not m:
        raise ValueError(f"cannot parse version comparator {text!r}")
    op, parts, pre = m.group(1) or "^", [m.group(2), m.group(3), m.group(4)], m.group(5)

    # Wildcard components ("1.*", "1.2.x", "*") behave like a shorter partial version.
    nums = []
    for p in parts:
        if p is None or p in ("*", "x", "X"):
            break
        nums.append(int(p))
    if len(nums) < 3 and pre:
        raise ValueError(f"pre-release needs a full version: {text!r}")
    if not nums:
        return []  # "*" matches everything
    if any(p in ("*", "x", "X") for p in parts if p is not None):
        op = "="  # "1.*" means "=1", whatever operator preceded it

    major = nums[0]
    minor = nums[1] if len(nums) > 1 else 0
    patch = nums[2] if len(nums) > 2 else 0
    low = Version(major, minor, patch, tuple(pre.split(".")) if pre else ())
    n = len(nums)

    # Exclusive upper bound of the release line a partial version names.
    if n == 1:
        line_end = _floor(major + 1)
    elif n == 2:
        line_end = _floor(major, minor + 1)
    else:
        line_end = None

    if op == "=":
        return [("==", low)] if n == 3 else [(">=", low), ("<", line_end)]
    if op == ">=":
        return [(">=", low)]
    if op == ">":
        return [(">", low)] if n == 3 else [(">=", line_end)]
    if op == "<":
        return [("<", low)]
    if op == "<=":
        return [("<=", low)] if n == 3 else [("<", line_end)]
    if op == "~":
        # ~1.2.3 and ~1.2 stay on 1.2.x; ~1 stays on 1.x.
        return [(">=", low), ("<", _floor(major + 1) if n == 1 else _floor(major, minor + 1))]
    # Caret: the left-most non-zero component may not change.
    if major > 0 or n == 1:
        hi = _floor(major + 1)
    elif minor > 0 or n == 2:
        hi = _floor(0, minor + 1)
    else:
        hi = _floor(0, 0, patch + 1)
    return [(">=", low), ("<", hi)]


_OPS = {
    "==": lambda v, b: v == b,
    ">=": lambda v, b: v >= b,
    ">": lambda v, b: v > b,
    "<": lambda v, b: v < b,
    "<=": lambda v, b: v <= b,
}


class Requirement:
    """A comma-separated list of comparators, all of which must hold."""

    def __init__(self, text):
        self.text = text
        self.checks = []
        for piece in text.split(","):
            if piece.strip():
                self.checks.extend(_comparator_bounds(piece))

    def matches(self, version):
        # Plain semver ordering on purpose: Cargo's rule that pre-releases only
        # match when explicitly named is about dependency resolution; for
        # "is this build patched?" the ordering answer is the useful one.
        return all(_OPS[op](version, bound) for op, bound in self.checks)

    def __repr__(self):
        return f"Requirement({self.text!r})"


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

def load_lock(path):
    """Return sorted (name, version) pairs for registry/git packages in Cargo.lock."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    pkgs = set()
    for pkg in data.get("package", []):
        # Packages without a source are this workspace's own crates (imgtui):
        # advisories are about published crates, so they are not checked.
        if "source" not in pkg:
            continue
        pkgs.add((pkg["name"], pkg["version"]))
    return sorted(pkgs)


def front_matter(text):
    """Extract the TOML between the opening ```toml fence and the next ``` line."""
    lines = text.lstrip("\ufeff").splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "```toml":
        raise ValueError("no ```toml front matter at top of file")
    for j in range(i + 1, len(lines)):
        if lines[j].strip() == "```":
            return "\n".join(lines[i + 1:j])
    raise ValueError("unterminated ```toml block")


def title_of(text):
    """First markdown heading after the front matter, used as a one-line summary."""
    after = text.split("```", 2)[-1] if text.count("```") >= 2 else text
    for line in after.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


class Advisory:
    def __init__(self, path, text):
        meta = tomllib.loads(front_matter(text))
        adv = meta.get("advisory", {})
        vers = meta.get("versions", {})
        self.path = path
        self.id = adv.get("id", "")
        self.package = adv.get("package", "")
        if not self.id or not self.package:
            raise ValueError("[advisory] lacks id or package")
        self.date = str(adv.get("date", ""))
        self.informational = adv.get("informational")
        self.withdrawn = adv.get("withdrawn")
        self.url = adv.get("url", "")
        self.title = title_of(text)
        self.affected_os = meta.get("affected", {}).get("os", [])
        self.patched_text = list(vers.get("patched", []))
        self.unaffected_text = list(vers.get("unaffected", []))
        # Parse every requirement now so bad syntax is reported once, up front.
        self.patched = [Requirement(r) for r in self.patched_text]
        self.unaffected = [Requirement(r) for r in self.unaffected_text]

    def affects(self, version):
        # RustSec semantics: affected unless some patched/unaffected range covers it.
        return not any(r.matches(version) for r in self.patched + self.unaffected)


def load_db(db_dir):
    """Return (advisories, problems). problems = [(path, reason)] for unreadable files."""
    root = Path(db_dir)
    base = root / "crates" if (root / "crates").is_dir() else root
    advisories, problems = [], []
    for path in sorted(base.rglob("RUSTSEC-*.md")):
        try:
            adv = Advisory(path, path.read_text(encoding="utf-8"))
        except (ValueError, tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            problems.append((path, str(exc)))
            continue
        # RUSTSEC-0000-0000 is the id used in not-yet-merged advisory drafts.
        if adv.id.startswith("RUSTSEC-0000-"):
            problems.append((path, "unassigned draft id " + adv.id + ", skipped"))
            continue
        advisories.append(adv)
    return advisories, problems


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def describe(adv, name, version):
    fix = " or ".join(f"({p})" for p in adv.patched_text) or "no patched release"
    kind = f" [{adv.informational}]" if adv.informational else ""
    os_note = f" (only on {', '.join(adv.affected_os)})" if adv.affected_os else ""
    return (f"  {adv.id}{kind} {name} {version}: {adv.title or adv.url}{os_note}\n"
            f"      date {adv.date}; patched: {fix}")


def audit(db_dir, lock_path):
    if not Path(db_dir).is_dir():
        print(f"error: advisory DB directory not found: {db_dir}", file=sys.stderr)
        return 2
    if not Path(lock_path).is_file():
        print(f"error: lock file not found: {lock_path}", file=sys.stderr)
        return 2

    packages = load_lock(lock_path)
    advisories, problems = load_db(db_dir)
    active = [a for a in advisories if not a.withdrawn]

    by_package = {}
    for adv in active:
        by_package.setdefault(adv.package, []).append(adv)

    vulns, warnings, bad_versions = [], [], []
    for name, ver_text in packages:
        try:
            version = Version.parse(ver_text)
        except ValueError:
            bad_versions.append((name, ver_text))
            continue
        for adv in by_package.get(name, []):
            if adv.affects(version):
                (warnings if adv.informational else vulns).append(describe(adv, name, ver_text))

    if vulns:
        print(f"Vulnerabilities ({len(vulns)}):")
        print("\n".join(vulns))
    if warnings:
        print(f"Warnings ({len(warnings)}):")
        print("\n".join(warnings))
    for path, reason in problems:
        print(f"note: skipped {path}: {reason}", file=sys.stderr)
    for name, ver_text in bad_versions:
        print(f"note: could not parse locked version {name} {ver_text}", file=sys.stderr)
    withdrawn = len(advisories) - len(active)
    if withdrawn:
        print(f"note: {withdrawn} withdrawn advisories ignored", file=sys.stderr)

    print(f"{len(packages)} crates checked against {len(active)} advisories "
          f"(DB: {db_dir}): {len(vulns)} vulnerable, {len(warnings)} warnings")
    return 1 if vulns else 0


# --------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------

_CASES = [
    # (requirement, version, expected match)
    (">= 1.2.3, < 1.3", "1.2.9", True),
    (">= 1.2.3, < 1.3", "1.3.0", False),
    (">= 1.2.3, < 1.3", "1.2.2", False),
    ("^0.4.2", "0.4.9", True),
    ("^0.4.2", "0.5.0", False),
    ("^0.0.3", "0.0.4", False),
    ("^ 0.3.1", "0.3.7", True),          # space after operator (rand_core advisory)
    ("0.13.10", "0.13.12", True),        # bare version = caret (hyper advisory)
    ("0.13.10", "0.14.0", False),
    ("1.2", "1.9.0", True),
    ("=1.0.0", "1.0.1", False),
    ("= 0.4.10", "0.4.10", True),
    ("=0.2", "0.2.7", True),
    ("~1.5.1", "1.5.4", True),
    ("~1.5.1", "1.6.0", False),
    ("<= 0.2.1", "0.2.1", True),
    ("<= 1.2", "1.2.9", True),           # partial upper bound covers the whole 1.2 line
    ("> 1.2", "1.2.5", False),
    ("< 0.10.0, >= 0.9.3", "0.9.3", True),
    (">= 0.9.7, <0.10.0", "0.10.0", False),
    ("^0.1", "0.1.44", True),
    ("1.*", "1.99.0", True),
    ("*", "0.0.1", True),
    (">= 1.2.3", "1.2.3-beta.1", False),  # pre-release precedes its release
    ("< 1.0.0", "1.0.0-rc.1", True),
    ("^1.2", "2.0.0-alpha", False),       # caret range stops before next major's pre-releases
    (">= 1.0.0-alpha.2", "1.0.0-alpha.10", True),  # numeric identifiers compare numerically
    (">= 1.0.0-beta", "1.0.0-alpha", False),
    (">= 1.2.3", "1.2.3+build.7", True),  # build metadata ignored
]


def self_test():
    failures = 0
    for req, ver, want in _CASES:
        got = Requirement(req).matches(Version.parse(ver))
        if got != want:
            failures += 1
            print(f"FAIL: {req!r} matches {ver}: got {got}, want {want}")

    # End-to-end check of the affected rule and front-matter parsing.
    sample = (
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"demo\"\n"
        "date = \"2099-01-01\"\n\n[versions]\npatched = [\">= 1.4.0\", \"^1.2.5\"]\n"
        "unaffected = [\"< 1.0.0\"]\n```\n\n# Demo advisory\n"
    )
    adv = Advisory(Path("sample.md"), sample)
    for ver, want in [("0.9.0", False), ("1.1.0", True), ("1.2.5", False),
                      ("1.3.0", False), ("1.2.4", True), ("1.4.0", False)]:
        got = adv.affects(Version.parse(ver))
        if got != want:
            failures += 1
            print(f"FAIL: demo advisory affects {ver}: got {got}, want {want}")
    if adv.title != "Demo advisory":
        failures += 1
        print(f"FAIL: title parsed as {adv.title!r}")

    for bad in ("1.2.3.4", ">>1", "abc", "1.2-beta"):
        try:
            Requirement(bad)
        except ValueError:
            continue
        failures += 1
        print(f"FAIL: {bad!r} should be rejected")

    total = len(_CASES) + 6 + 1 + 4
    print(f"self-test: {total - failures}/{total} checks passed")
    return 1 if failures else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("IMGTUI_ADVISORY_DB")
                        or os.path.expanduser("~/.cache/imgtui-advisories"),
                        help="advisory DB directory (default: $IMGTUI_ADVISORY_DB "
                             "or ~/.cache/imgtui-advisories)")
    parser.add_argument("--lock", default=None,
                        help="path to Cargo.lock (default: ./Cargo.lock, else the "
                             "one in this script's repository)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the version matcher on built-in cases and exit")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    lock = args.lock
    if lock is None:
        # Work from any directory: fall back to the lock file of the repo holding this script.
        lock = "Cargo.lock" if Path("Cargo.lock").is_file() else \
            str(Path(__file__).resolve().parent.parent / "Cargo.lock")
    return audit(args.db, lock)


if __name__ == "__main__":
    sys.exit(main())
