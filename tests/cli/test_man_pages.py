"""The manual pages generated from the help (man/): every page renders without a warning from
man-db, has the EXIT STATUS and EXAMPLES sections, and `cmake --install` puts each where man
finds it by name."""
import glob
import os
import subprocess
import tempfile
import unittest

BUILD = os.environ["IBSR_BUILD_DIR"]
PAGES = {
    "ibsr": 8, "ibsr-collect": 8, "ibsr-collect-payload": 8, "ibsr-record-incident": 8,
    "ibsr-incident": 8, "ibsr-verify-bpf": 8, "ibsr-export": 8, "ibsr-export-s3": 8,
    "ibsr-report": 1, "ibsr-report-fleet": 1,
}
ENV = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")


def man(*args):
    return subprocess.run(["man"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=ENV, timeout=60)


class ManPages(unittest.TestCase):
    def test_every_page_is_generated_and_clean(self):
        generated = sorted(os.path.basename(p) for p in glob.glob(os.path.join(BUILD, "man/*.gz")))
        self.assertEqual(generated, sorted("%s.%d.gz" % kv for kv in PAGES.items()))
        for name, section in PAGES.items():
            page = os.path.join(BUILD, "man", "%s.%d.gz" % (name, section))
            r = man("--warnings", "-l", page)
            self.assertEqual((r.returncode, r.stderr), (0, ""), name)
            text = r.stdout
            self.assertTrue(text.startswith("%s(%d)" % (name.upper(), section)), text[:80])
            for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "EXAMPLES",
                            "SEE ALSO"):
                self.assertIn("\n%s\n" % heading, text, (name, heading))
            self.assertRegex(text, r"\nNAME\n +%s +- " % name)
            # Exit status 2 (usage error) is documented on every page (man justifies the line, so
            # the words may be set apart by more than one space).
            self.assertRegex(text, r"\n {7}2 {6}usage +error")

    def test_install_puts_pages_where_man_finds_them(self):
        with tempfile.TemporaryDirectory() as destdir:
            # DESTDIR too: install rules with absolute destinations (units) stay inside it.
            prefix = os.path.join(destdir, "usr")
            subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                           stdout=subprocess.DEVNULL, timeout=120,
                           env=dict(os.environ, DESTDIR=destdir))
            prefix = destdir + prefix
            for name, section in PAGES.items():
                r = man("-M", os.path.join(prefix, "share/man"), "-w", name)
                self.assertEqual(r.stdout, os.path.join(prefix, "share/man/man%d/%s.%d.gz"
                                                        % (section, name, section)) + "\n", name)
            r = man("-M", os.path.join(prefix, "share/man"), "ibsr-collect")
            self.assertIn("-i, --interface IFACE", r.stdout)


if __name__ == "__main__":
    unittest.main()
