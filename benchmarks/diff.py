"""Benchmark: ``gqlevolve diff`` against graphql-inspector and graphql-core on GitHub's public schema.

    .venv/bin/python benchmarks/diff.py [--reps 7] [--old 15.25.0 --new 15.26.0]

Fetches, at run time with npm into ``benchmarks/.cache/`` (git-ignored), two versions of
``@octokit/graphql-schema`` (about 1.2 MB of SDL each) and ``@graphql-inspector/core`` with
``graphql``. Then, interleaved in one run:

- the whole ``gqlevolve diff OLD NEW --json`` process (wall and CPU time);
- a whole Node process running graphql-inspector's ``diff`` on the same two files (GitHub's
  schema defines two fields twice, so both sides build with ``assumeValidSDL``);
- in this process, graphql-core's ``build_schema`` of both files plus ``find_breaking_changes``
  and ``find_dangerous_changes``.

Prints medians and ratios; exits 1 when our process is slower than graphql-inspector's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
INSPECTOR_SCRIPT = """
const fs = require("fs");
const { buildSchema } = require("graphql");
const { diff } = require("@graphql-inspector/core");
const [oldPath, newPath] = process.argv.slice(2);
const options = { assumeValidSDL: true };
const oldSchema = buildSchema(fs.readFileSync(oldPath, "utf8"), options);
const newSchema = buildSchema(fs.readFileSync(newPath, "utf8"), options);
diff(oldSchema, newSchema).then((changes) => {
  const counts = {};
  for (const change of changes) counts[change.criticality.level] = (counts[change.criticality.level] || 0) + 1;
  process.stdout.write(JSON.stringify({ total: changes.length, counts }));
});
"""


def fetch(old_version: str, new_version: str) -> tuple[Path, Path, Path]:
    """Install the two schema versions and the inspector into the cache (once)."""
    CACHE.mkdir(exist_ok=True)
    modules = CACHE / "node_modules"
    old_alias, new_alias = f"github-schema-{old_version}", f"github-schema-{new_version}"
    wanted = [modules / old_alias / "schema.graphql", modules / new_alias / "schema.graphql"]
    if not all(path.is_file() for path in wanted) or not (modules / "@graphql-inspector" / "core").is_dir():
        if shutil.which("npm") is None:
            sys.exit("npm is needed to fetch the benchmark's inputs")
        package_json = CACHE / "package.json"
        if not package_json.exists():
            package_json.write_text('{"name": "gqlevolve-benchmark-cache", "private": true}\n')
        command = [
            "npm", "install", "--no-audit", "--no-fund", "--legacy-peer-deps", "--silent",
            f"{old_alias}@npm:@octokit/graphql-schema@{old_version}",
            f"{new_alias}@npm:@octokit/graphql-schema@{new_version}",
            "@graphql-inspector/core@8", "graphql@16",
        ]  # fmt: skip
        print("fetching:", " ".join(command[6:]), flush=True)
        subprocess.run(command, cwd=CACHE, check=True)
    script = CACHE / "inspector_diff.js"
    script.write_text(INSPECTOR_SCRIPT)
    return wanted[0], wanted[1], script


def run_timed(command: list[str]) -> tuple[float, float, str]:
    """Wall and CPU (user + system of the child) seconds of one whole process, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.stdout


def graphql_core_in_process(old_path: Path, new_path: Path) -> tuple[float, int, int]:
    from graphql import build_schema, find_breaking_changes, find_dangerous_changes

    start = time.perf_counter()
    old = build_schema(old_path.read_text(), assume_valid_sdl=True)
    new = build_schema(new_path.read_text(), assume_valid_sdl=True)
    breaking = find_breaking_changes(old, new)
    dangerous = find_dangerous_changes(old, new)
    return time.perf_counter() - start, len(breaking), len(dangerous)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--old", default="15.25.0")
    parser.add_argument("--new", default="15.26.0")
    args = parser.parse_args()

    old_path, new_path, script = fetch(args.old, args.new)
    node = shutil.which("node") or sys.exit("node is needed for graphql-inspector")
    gqlevolve = Path(sys.executable).with_name("gqlevolve")
    ours_command = [str(gqlevolve), "diff", str(old_path), str(new_path), "--json"]
    inspector_command = [node, str(script), str(old_path), str(new_path)]
    env_note = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    print(f"inputs: {old_path.stat().st_size / 1e6:.2f} MB and {new_path.stat().st_size / 1e6:.2f} MB of SDL; {env_note}")

    ours, inspector, core = [], [], []
    ours_output = inspector_output = ""
    for _ in range(args.reps):  # interleaved, so drift in machine load hits all three alike
        *timing, ours_output = run_timed(ours_command)
        ours.append(timing)
        *timing, inspector_output = run_timed(inspector_command)
        inspector.append(timing)
        core_wall, core_breaking, core_dangerous = graphql_core_in_process(old_path, new_path)
        core.append(core_wall)

    ours_summary = json.loads(ours_output)["summary"]
    inspector_summary = json.loads(inspector_output)
    ours_wall = statistics.median(wall for wall, _ in ours)
    ours_cpu = statistics.median(cpu for _, cpu in ours)
    inspector_wall = statistics.median(wall for wall, _ in inspector)
    inspector_cpu = statistics.median(cpu for _, cpu in inspector)
    core_wall = statistics.median(core)

    print(f"changes: gqlevolve {ours_summary}; graphql-inspector {inspector_summary}; "
          f"graphql-core {core_breaking} breaking, {core_dangerous} dangerous")  # fmt: skip
    print(f"median of {args.reps} runs            wall      cpu")
    print(f"gqlevolve diff (whole process)   {ours_wall:6.3f} s  {ours_cpu:6.3f} s")
    print(f"graphql-inspector (whole process){inspector_wall:6.3f} s  {inspector_cpu:6.3f} s")
    print(f"graphql-core build+find (in-process, no start-up) {core_wall:6.3f} s")
    ratio = inspector_wall / ours_wall
    print(f"ratio: graphql-inspector / gqlevolve wall = {ratio:.2f}x (target > 1); "
          f"graphql-core / gqlevolve = {core_wall / ours_wall:.2f}x")  # fmt: skip
    if ours_wall > inspector_wall:
        print("TARGET MISSED: gqlevolve diff is slower than graphql-inspector")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
