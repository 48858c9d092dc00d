"""One command-line language across ibsr, ibsr-report and ibsr-export (docs/cli.md).

For every command: --version prints "PROGRAM VERSION" (the project version), --help has the
Exit codes and Examples sections and no CLI11 type noise, -i means --interface wherever it
exists, and every renamed flag's old spelling still parses (and is not shown)."""
import json
import os
import re
import subprocess
import tempfile
import unittest

BUILD = os.environ["IBSR_BUILD_DIR"]
SOURCE = os.environ["IBSR_SOURCE_DIR"]
IBSR = os.path.join(BUILD, "src/cli/ibsr")
REPORT = os.path.join(BUILD, "src/report/ibsr-report")
EXPORT = os.path.join(BUILD, "src/export/ibsr-export")
VERIFY = os.path.join(BUILD, "src/cli/ibsr-verify-bpf")
FIXTURE = os.path.join(SOURCE, "tests/fixtures/report/syn_flood/input")

# (program name as printed, argv)
COMMANDS = [
    ("ibsr", [IBSR]),
    ("ibsr collect", [IBSR, "collect"]),
    ("ibsr collect-payload", [IBSR, "collect-payload"]),
    ("ibsr record-incident", [IBSR, "record-incident"]),
    ("ibsr incident", [IBSR, "incident"]),
    ("ibsr verify-bpf", [IBSR, "verify-bpf"]),
    ("ibsr verify-bpf", [VERIFY]),
    ("ibsr-report", [REPORT]),
    ("ibsr-report fleet", [REPORT, "fleet"]),
    ("ibsr-export", [EXPORT]),
    ("ibsr-export s3", [EXPORT, "s3"]),
]
# Commands with an interface: -i is its short name there and nowhere else.
WITH_INTERFACE = {"ibsr collect", "ibsr collect-payload", "ibsr record-incident",
                  "ibsr incident"}
# CLI11's type names and validator texts, never shown to a reader.
NOISE = re.compile(r"\bTEXT\b|\bUINT\b|\bINT:|\bINT\b|\bFLOAT\b|\bREQUIRED\b|in \[\d")
# Old spellings, kept for one release: (command, old, new).
OLD_NAMES = [
    ("ibsr collect", "--iface", "--interface"),
    ("ibsr collect", "--max-age", "--max-age-sec"),
    ("ibsr collect-payload", "--iface", "--interface"),
    ("ibsr collect-payload", "--max-age", "--max-age-sec"),
    ("ibsr collect-payload", "--ringbuf-size", "--ringbuf-bytes"),
    ("ibsr record-incident", "--iface", "--interface"),
    ("ibsr-report", "--output-dir", "--out-dir"),
    ("ibsr-report", "--dst-ports", "--dst-port"),
    ("ibsr-export s3", "--source", "--input"),
]


def project_version():
    with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
        return re.search(r"project\(ibsr VERSION (\S+)", f.read()).group(1)


def run(argv, *args):
    return subprocess.run(argv + [str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)


def argv_of(name):
    return next(argv for n, argv in COMMANDS if n == name)


class VersionAndHelp(unittest.TestCase):
    def test_version_everywhere(self):
        version = project_version()
        for name, argv in COMMANDS:
            r = run(argv, "--version")
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "%s %s\n" % (name, version), ""),
                             argv)
        r = run([IBSR], "version")
        self.assertEqual((r.returncode, r.stdout), (0, "ibsr %s\n" % version))

    def test_help_has_exit_codes_examples_and_no_type_noise(self):
        for name, argv in COMMANDS + [("ibsr incident trigger", [IBSR, "incident", "trigger"])]:
            r = run(argv, "--help")
            self.assertEqual(r.returncode, 0, argv)
            self.assertEqual(r.stderr, "", argv)
            self.assertRegex(r.stdout, r"^Usage: %s " % re.escape(name))
            self.assertRegex(r.stdout, r"\nExit codes:\n  [0N]  \S")
            self.assertRegex(r.stdout, r"\n  2  usage error")
            self.assertRegex(r.stdout, r"\nExamples:\n  %s" % re.escape(name.split()[0]))
            self.assertIsNone(NOISE.search(r.stdout), "%s: %r" % (name, NOISE.search(r.stdout)))

    def test_placeholders_and_defaults(self):
        help = run(argv_of("ibsr collect"), "--help").stdout
        for line in ("  -i, --interface IFACE ", "  -p, --dst-port PORT ... ",
                     "  -o, --out-dir DIR ", "  --max-age-sec SECONDS ", "  --xdp-mode MODE "):
            self.assertIn(line, help)
        self.assertRegex(help, r"Seconds between snapshots, 1\.\.86400 \(default:\s+60\)")


class ShortNames(unittest.TestCase):
    def test_dash_i_means_interface_wherever_it_exists(self):
        for name, argv in COMMANDS:
            help = run(argv, "--help").stdout
            short = re.findall(r"^  -i, (\S+)", help, re.M)
            if name in WITH_INTERFACE:
                self.assertEqual(short, ["--interface"], name)
            else:
                self.assertEqual(short, [], name)
                self.assertNotRegex(help, r"^  -i\b", name)

    def test_report_refuses_dash_i_with_the_new_spelling(self):
        with tempfile.TemporaryDirectory() as out:
            r = run([REPORT], "-i", FIXTURE, "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "ibsr-report: -i is no longer accepted: write --input PATH (-i "
                                   "means --interface in ibsr) (run 'ibsr-report --help')\n")

    def test_record_incident_requires_the_interface(self):
        r = run(argv_of("ibsr record-incident"), "-o", "/tmp/ibsr-cli-test-unused")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "ibsr record-incident: --interface is required "
                             "(run 'ibsr record-incident --help')\n"))
        self.assertFalse(os.path.exists("/tmp/ibsr-cli-test-unused"))


class OldSpellings(unittest.TestCase):
    def test_old_names_are_not_shown(self):
        for name, old, new in OLD_NAMES:
            help = run(argv_of(name), "--help").stdout
            self.assertRegex(help, r"(^|\s)%s\b" % re.escape(new), name)
            self.assertNotRegex(help, r"(^|[\s,])%s(?![\w-])" % re.escape(old), (name, old))

    def test_collectors_parse_the_old_names(self):
        # Past the parser (exit 2 would be a usage error): the run stops at the missing interface.
        for argv in (argv_of("ibsr collect") + ["--max-age", "5"],
                     argv_of("ibsr collect-payload") + ["--max-age", "5", "--ringbuf-size", "8192"],
                     argv_of("ibsr record-incident")):
            extra = [] if "record-incident" in argv else ["-p", "80"]
            with tempfile.TemporaryDirectory() as out:
                r = run(argv, "--iface", "ibsr-none0", "-o", out, *extra)
            self.assertEqual(r.returncode, 1, (argv, r.stderr))
            self.assertIn("unknown network interface 'ibsr-none0'", r.stderr)

    def test_ports_repeat_or_comma_list(self):
        for ports in (["-p", "80", "-p", "443"], ["-p", "80,443"], ["--dst-port", "443,80"]):
            with tempfile.TemporaryDirectory() as out:
                r = run(argv_of("ibsr collect"), "-i", "ibsr-none0", "-o", out, *ports)
            self.assertEqual(r.returncode, 1, (ports, r.stderr))
        r = run(argv_of("ibsr collect"), "-i", "lo", "-p", "80,80")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "ibsr collect: --dst-port: 80 given twice (run 'ibsr collect --help')\n"))

    def test_report_old_names_give_the_same_report(self):
        outputs = []
        with tempfile.TemporaryDirectory() as tmp:
            for i, args in enumerate((["--out-dir", "{}", "--dst-port", "8899"],
                                      ["--output-dir", "{}", "--dst-ports", "8899"],
                                      ["-o", "{}", "-p", "8899,8899"])):
                out = os.path.join(tmp, str(i))
                argv = [a.format(out) for a in args]
                r = run([REPORT], "--input", FIXTURE, "--format", "json,csv",
                        "--generated-at", "1736935200", *argv)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(out, "summary.json")) as f:
                    outputs.append(f.read())
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])
        self.assertEqual(json.loads(outputs[0])["config"]["dst_ports"], [8899])

    def test_export_source_is_input(self):
        plans = []
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "snapshots")
            os.makedirs(src)
            with open(os.path.join(src, "snapshot_2020010100.jsonl"), "w") as f:
                f.write("{}\n")
            for flag in ("--input", "--source"):
                r = run(argv_of("ibsr-export s3"), "--bucket", "b", "--host-id", "h", "--dry-run",
                        "--min-age-sec", 0, "--state-file", os.path.join(tmp, "state.json"), flag, src)
                self.assertEqual(r.returncode, 0, r.stderr)
                plans.append(re.sub(r"seconds=\S+", "", r.stdout))
        self.assertEqual(plans[0], plans[1])
        self.assertIn("uploaded=1 ", plans[0])


if __name__ == "__main__":
    unittest.main()
