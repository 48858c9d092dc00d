#!/usr/bin/env python3
"""rules.nft is valid nftables: every golden case's expected rules.nft passes `nft -c` (check
only, nothing is loaded) inside a private network namespace, so the host's ruleset is never
touched. Needs root and the nftables package (scripts/install-deps.sh)."""
import os
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("IBSR_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(SRC, "tests", "fixtures", "report")


class NftTest(unittest.TestCase):
    def test_expected_rules_nft_parse(self):
        files = sorted(os.path.join(FIXTURES, c, "expected", "rules.nft") for c in os.listdir(FIXTURES)
                       if os.path.exists(os.path.join(FIXTURES, c, "expected", "rules.nft")))
        self.assertGreaterEqual(len(files), 10)
        # The IPv6 cases are among them, with their ip6 sets filled (nft -c checks the elements).
        for case, elements in (("ipv6_only", ["2001:db8:bad:1::/64 . 443 timeout 300s"]),
                               ("mixed_families", ["2001:db8::66 . 443 timeout 300s",
                                                   "2001:db8:0:bad::/64 . 443 timeout 300s",
                                                   "2001:db8:0:beef::1", "2001:db8:ffff::/48",
                                                   "203.0.113.66 . 8899 timeout 300s"])):
            f = os.path.join(FIXTURES, case, "expected", "rules.nft")
            self.assertIn(f, files)
            with open(f) as fh:
                text = fh.read()
            self.assertIn("\t\tip6 saddr . tcp dport @block_net_v6 drop\n", text)
            self.assertIn("\t\tip6 saddr @allow_v6 accept\n", text)
            for e in elements:
                self.assertIn("\t\t\t" + e, text)
        # An IPv4-only report keeps its IPv4-only table.
        with open(os.path.join(FIXTURES, "syn_flood", "expected", "rules.nft")) as fh:
            self.assertNotIn("ip6", fh.read())
        for f in files:
            r = subprocess.run(["unshare", "-n", "/usr/sbin/nft", "-c", "-f", f], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, "%s: %s" % (f, r.stderr))


if __name__ == "__main__":
    unittest.main()
