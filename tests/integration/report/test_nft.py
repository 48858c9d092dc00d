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
        for f in files:
            r = subprocess.run(["unshare", "-n", "/usr/sbin/nft", "-c", "-f", f], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, "%s: %s" % (f, r.stderr))


if __name__ == "__main__":
    unittest.main()
