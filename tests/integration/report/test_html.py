#!/usr/bin/env python3
"""report.html renders in headless Chromium: a non-blank screenshot, the expected title, verdict
and sections in the DOM, and no external resource anywhere in the page."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import png_check  # noqa: E402

SRC = os.environ.get("IBSR_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("IBSR_BUILD_DIR", os.path.join(SRC, "build-report"))
BIN = os.path.join(BUILD, "src", "report", "ibsr-report")
FIXTURES = os.path.join(SRC, "tests", "fixtures", "report")
CHROMIUM = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"]


class HtmlTest(unittest.TestCase):
    def render(self, case, verdict, extra=()):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            subprocess.run([BIN, "--input", os.path.join(FIXTURES, case, "input"), "-o", out,
                            "--format", "html"] + list(extra), check=True, capture_output=True)
            page = os.path.join(out, "report.html")
            with open(page) as f:
                html = f.read()
            # Self-contained: nothing fetched from anywhere.
            self.assertNotRegex(html, r"https?://")
            self.assertNotRegex(html, r"<(link|img|iframe|object|embed)\b")
            self.assertNotRegex(html, r"<script[^>]*\bsrc=")
            self.assertIn("<svg", html)
            profile = os.path.join(tmp, "profile")
            png = os.path.join(tmp, "shot.png")
            subprocess.run(CHROMIUM + ["--user-data-dir=" + profile, "--screenshot=" + png,
                                       "--window-size=1280,2000", "file://" + page],
                           check=True, capture_output=True, timeout=120)
            width, height, _, _ = png_check.read_png(png)
            self.assertEqual((width, height), (1280, 2000))
            ink, colours = png_check.ink_fraction(png)
            self.assertGreater(ink, 0.01, "screenshot looks blank")
            self.assertGreater(colours, 20, "screenshot has almost no colours")
            dom = subprocess.run(CHROMIUM + ["--user-data-dir=" + profile, "--dump-dom", "file://" + page],
                                 check=True, capture_output=True, text=True, timeout=120).stdout
            self.assertIn("<title>IBSR Report: %s</title>" % verdict, dom)
            badge = re.search(r"<div class=\"badge\">([^<]*)</div>", dom)
            self.assertIsNotNone(badge, dom[:2000])
            self.assertEqual(badge.group(1), verdict)
            for section in ("Abuse Pattern Observed", "Counterfactual Enforcement Impact",
                            "Scope &amp; Configuration", "Candidate Enforcement Rules", "Readiness Judgment"):
                self.assertIn(section, dom)
            return dom

    def test_safe_flood(self):
        dom = self.render("syn_flood", "SAFE", ["--min-observation-sec", "0"])
        self.assertIn("203.0.113.66:8899", dom)
        self.assertIn("88.89%", dom)  # upper bound, packets

    def test_thin_evidence_is_not_safe_by_default(self):
        dom = self.render("syn_flood", "NOT SAFE")
        self.assertIn("Observed period 360 s is shorter than the minimum 3600 s (--min-observation-sec)", dom)

    def test_streams_are_listed(self):
        dom = self.render("two_streams", "SAFE", ["--min-observation-sec", "0"])
        self.assertIn("2 streams", dom)
        self.assertRegex(dom, r"<td>[^<]*input/host-a</td><td>2025-01-15T10:01:00Z</td>"
                              r"<td>2025-01-15T10:07:00Z</td><td class=\"n\">7</td>")
        self.assertRegex(dom, r"<td>[^<]*input/host-b</td><td>2025-01-15T10:01:30Z</td>")

    def test_not_safe_with_reasons(self):
        dom = self.render("too_few_samples", "NOT SAFE")
        self.assertIn("FP bound unknown: Insufficient data: 3 keys, need at least 10", dom)

    def test_ipv6_sources_render_as_rows_legends_and_family_counts(self):
        case = os.path.join(FIXTURES, "mixed_families")
        dom = self.render("mixed_families", "SAFE", ["--min-observation-sec", "0", "--allowlist",
                                                     os.path.join(case, "allowlist.txt")])
        # Top offenders: the /128 and the /64 flooder, bracketed, after the IPv4 one.
        self.assertRegex(dom, r"<tr class=\"block\"><td class=\"n\">2</td><td>\[2001:db8::66\]:443</td>"
                              r"<td>SYN_FLOOD_LIKE</td><td class=\"n\">200.00</td>")
        self.assertRegex(dom, r"<tr class=\"block\"><td class=\"n\">3</td>"
                              r"<td>\[2001:db8:0:bad::\]/64:443</td><td>SYN_FLOOD_LIKE</td>")
        # The evidence table row of the allowlisted /64, and the chart legend.
        self.assertRegex(dom, r"<td data-v=\"[0-9]+\">\[2001:db8:0:beef::\]/64:443</td>"
                              r"<td data-v=\"allow \(allowlisted\)\">")
        self.assertIn("<span><i style=\"background:#ff7f0e\"></i>[2001:db8:0:bad::]/64:443</span>", dom)
        self.assertIn("IPv6: 7 analysed, 1 allowlisted, 2 blocked (66,000 of 66,720 SYNs)", dom)
        self.assertIn("input/host-b IPv6 run b6", dom.replace(case + "/", ""))

    def test_long_run_with_compressed_files(self):
        dom = self.render("long_run_burst", "SAFE")
        self.assertIn("192.0.2.50:8899", dom)


if __name__ == "__main__":
    unittest.main()
