"""Where the test suite's wall time goes: a pytest plugin, and a report of what it wrote.

    bench/suite_cpu.sh env PYTHONPATH=bench .venv/bin/python -m pytest -n 2 -p suite_timing
    python bench/suite_timing.py /tmp/suite-timing

For every test, each process (the controller, each xdist worker) appends one JSON line to
a file of its own under SUITE_TIMING_DIR (default /tmp/suite-timing): the test's wall time,
the worker's own CPU (its threads, the live server's included), and its idle share. The
idle share is what a sampler thread saw every 25 ms: no thread of the worker or of any
process under it (the Playwright driver, Chromium) running or waiting for a core, so the
test was waiting for a timer, a sleep, the disk or a process outside the tree. Unlike wall
minus CPU it does not grow with the machine's load, which is the point on a shared machine.

Chromium's CPU cannot be had per process from the outside: its renderers are reaped by
its zygote, which Playwright's driver does not wait for, so `/usr/bin/time` (and
RUSAGE_CHILDREN) miss most of it. bench/suite_cpu.sh runs a command in a cgroup of its
own and prints the CPU of everything it started. The report prints the totals, the
per-worker start-up, the gaps between tests and the tail (how long one worker ran alone
at the end), and the tests and files that waited longest.
"""

import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

OUT = Path(os.environ.get("SUITE_TIMING_DIR") or Path(tempfile.gettempdir()) / "suite-timing")
SAMPLE_SECONDS = 0.025


class _IdleSampler:
    """Counts the samples, during a test, at which nothing in the process tree could run."""

    def __init__(self) -> None:
        self.samples = self.idle = 0
        self.on = threading.Event()
        self.thread_id = 0
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        self.thread_id = threading.get_native_id()
        while True:
            time.sleep(SAMPLE_SECONDS)
            if self.on.is_set():
                self.samples += 1
                self.idle += not self._anything_runnable()

    def _anything_runnable(self) -> bool:
        me = os.getpid()
        stack = [me]
        while stack:
            pid = stack.pop()
            try:
                stack += map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
                threads = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in threads:
                if pid == me and int(tid) == self.thread_id:
                    continue
                try:
                    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                except OSError:
                    continue
                if stat.rsplit(")", 1)[1].split()[0] == "R":
                    return True
        return False


_sampler: _IdleSampler | None = None
_file = None


def _write(record: dict) -> None:
    global _file
    if _file is None:
        OUT.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _file = (OUT / f"{worker}-{os.getpid()}.jsonl").open("a")
    _file.write(json.dumps(record) + "\n")
    _file.flush()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pytest_sessionstart(session) -> None:
    _write({"event": "sessionstart", "t": time.time(), "cpu": _cpu()})


def pytest_sessionfinish(session) -> None:
    _write({"event": "sessionfinish", "t": time.time(), "cpu": _cpu()})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _sampler
    if _sampler is None:
        _sampler = _IdleSampler()
    _sampler.samples = _sampler.idle = 0
    start, cpu = time.time(), _cpu()
    began = time.perf_counter()
    _sampler.on.set()
    yield
    _sampler.on.clear()
    wall = time.perf_counter() - began
    share = _sampler.idle / _sampler.samples if _sampler.samples else 0.0
    _write(
        {
            "id": item.nodeid,
            "start": start,
            "wall": wall,
            "cpu": _cpu() - cpu,
            "idle": wall * share,
        }
    )


def report(folder: Path, top: int = 25) -> None:
    tests: list[dict] = []
    workers: dict[str, dict] = {}
    for path in sorted(folder.glob("gw*.jsonl")) + sorted(folder.glob("main-*.jsonl")):
        name = path.name.split("-")[0]
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        mine = sorted((r for r in rows if "id" in r), key=lambda r: r["start"])
        for row in mine:
            row["worker"] = name
        tests += mine
        events = {r["event"]: r for r in rows if "event" in r}
        if mine:
            pairs = zip(mine, mine[1:], strict=False)
            gaps = sum(max(0.0, b["start"] - a["start"] - a["wall"]) for a, b in pairs)
            workers[name] = {
                "tests": len(mine),
                "start-up": mine[0]["start"] - events["sessionstart"]["t"]
                if "sessionstart" in events
                else 0.0,
                "end": mine[-1]["start"] + mine[-1]["wall"],
                "gaps": gaps,
            }
    wall = sum(r["wall"] for r in tests)
    cpu = sum(r["cpu"] for r in tests)
    idle = sum(r["idle"] for r in tests)
    print(f"{len(tests)} tests: {wall:.0f} test-seconds, {cpu:.0f} s of the workers' own CPU,")
    print(f"idle (nothing in the tree runnable) {idle:.1f} s = {idle / wall:.1%} of test time")
    last = max((w["end"] for w in workers.values()), default=0.0)
    for name, w in workers.items():
        print(
            f"  {name}: {w['tests']} tests, start-up {w['start-up']:.1f} s, gaps {w['gaps']:.1f} s,"
            f" done {last - w['end']:.1f} s before the last worker"
        )
    print("tests that waited longest (idle s, wall s):")
    for row in sorted(tests, key=lambda r: -r["idle"])[:top]:
        print(f"  {row['idle']:6.2f} {row['wall']:7.2f}  {row['id']}")
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in tests:
        totals = files[row["id"].split("::")[0]]
        totals[0] += row["idle"]
        totals[1] += row["wall"]
    print("files that waited longest (idle s, wall s):")
    for name, (waited, took) in sorted(files.items(), key=lambda f: -f[1][0])[:top]:
        print(f"  {waited:6.2f} {took:7.2f}  {name}")


if __name__ == "__main__":
    report(Path(sys.argv[1] if len(sys.argv) > 1 else OUT))
