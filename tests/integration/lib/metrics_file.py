"""Reads an IBSR --metrics-file: `promtool check metrics` (Debian's prometheus package, a real
Prometheus parser and linter) must accept it without a word, then its samples are returned as
{(name, frozenset(labels.items())): value} for exact comparisons with what the run wrote."""
import os
import re
import subprocess
import time

PROMTOOL = "/usr/bin/promtool"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def check(testcase, path, running=False):
    """Asserts promtool's verdict and that no temporary file is left; returns the samples.
    running: the writer is still running, so its temporary file may exist for the instant
    between writing and renaming it; it must be gone within a few seconds."""
    testcase.assertTrue(os.path.exists(PROMTOOL), "promtool missing: scripts/install-deps.sh")
    deadline = time.monotonic() + (5 if running else 0)
    while os.path.exists(path + ".tmp") and time.monotonic() < deadline:
        time.sleep(0.01)
    testcase.assertFalse(os.path.exists(path + ".tmp"), "temporary metrics file left behind")
    with open(path) as f:
        text = f.read()
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    testcase.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""),
                         "promtool check metrics on:\n" + text)
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        testcase.assertIsNotNone(m, "not a sample line: %r" % line)
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = int(m.group(3))
    return Samples(samples)


class Samples(dict):
    def get1(self, name, **labels):
        """The value of the one sample of `name` whose labels include `labels`."""
        want = set(labels.items())
        found = [v for (n, ls), v in self.items() if n == name and want <= set(ls)]
        if len(found) != 1:
            raise AssertionError("%d samples of %s%s in %s" % (len(found), name, labels,
                                                              sorted(self)))
        return found[0]
