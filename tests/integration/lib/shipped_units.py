"""The command lines that the shipped systemd units run, read from packaging/ as systemd would
expand them for one instance: %i, and $VAR / ${VAR} from the unit's EnvironmentFile= files (the
shipped /etc/ibsr/MODE.env conffiles and the example per-interface files). Tests run these very
arguments, so a unit cannot drift from what the tests check."""
import os
import re
import shlex

PACKAGING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                         "packaging")


def _source_for(env_path):
    """The file in packaging/ that the package installs as env_path (per-interface files: the
    shipped example)."""
    name = os.path.basename(env_path)
    shipped = os.path.join(PACKAGING, "etc", name)
    if os.path.exists(shipped):
        return shipped
    example = re.sub(r"^(.*)-[^-]+\.env$", r"\1-IFACE.env", name)
    return os.path.join(PACKAGING, "examples", example)


def read_env(path):
    """systemd EnvironmentFile= syntax as the shipped files use it: KEY=VALUE, '#' comments,
    double-quoted values."""
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, value = line.split("=", 1)
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            env[key] = value
    return env


def unit_text(unit):
    with open(os.path.join(PACKAGING, "systemd", unit)) as f:
        return f.read().replace("\\\n", " ")


def exec_args(unit, instance="eth0", interface_options=None, root=None):
    """ExecStart= of packaging/systemd/UNIT for INSTANCE, as the argv systemd would run.
    interface_options replaces the example per-interface file's IBSR_INTERFACE_OPTIONS; root, a
    test's directory, stands in for /var/lib/ibsr and /run/ibsr (its var-lib-ibsr/ and run-ibsr/,
    created with the metrics directory), so a test never writes to the host's."""
    text = unit_text(unit).replace("%i", instance)
    env = {}
    for path in re.findall(r"^EnvironmentFile=-?(\S+)$", text, re.M):
        env.update(read_env(_source_for(path)))
    if interface_options is not None:
        env["IBSR_INTERFACE_OPTIONS"] = interface_options
    [line] = re.findall(r"^ExecStart=(.*)$", text, re.M)
    argv = []
    for word in shlex.split(line):
        # $VAR alone is split into words; ${VAR} inside a word is substituted as is.
        m = re.fullmatch(r"\$(\w+)", word)
        if m:
            argv += env.get(m.group(1), "").split()
            continue
        argv.append(re.sub(r"\$\{(\w+)\}", lambda v: env.get(v.group(1), ""), word))
    if root is not None:
        lib, run = os.path.join(root, "var-lib-ibsr"), os.path.join(root, "run-ibsr")
        for d in (os.path.join(lib, "metrics"), run):
            os.makedirs(d, exist_ok=True)
        argv = [a.replace("/var/lib/ibsr", lib).replace("/run/ibsr", run) for a in argv]
    return argv


def after(unit, instance="eth0"):
    """The units UNIT orders itself after (After=), for INSTANCE."""
    text = unit_text(unit).replace("%i", instance)
    return [u for line in re.findall(r"^After=(.*)$", text, re.M) for u in line.split()]


def exported_sources():
    """The --input directories of the shipped /etc/ibsr/export.env."""
    env = read_env(os.path.join(PACKAGING, "etc", "export.env"))
    return re.findall(r"--input (\S+)", env["IBSR_EXPORT_ARGS"])
