#!/usr/bin/env python3
"""Records a real-kernel capture log (capture-log v1) of a memhp scenario under QEMU.

Usage: capture.py SCENARIO.trace OUT.log [--kernel bzImage --modules DIR] [options]

SCENARIO.trace is a trace in memhp's vocabulary (traces/FORMAT.md): geometry/profile/kernel/
cmdline/qemu configuration, cold-plugged `dimm add` lines, `boot`, then `snapshot`, `write` and
run-time `dimm add`/`dimm remove` lines. `expect`, `e820`, `numa` and `toggle` lines are for
the model and are ignored here (the real kernel decides what it shows; the firmware map is
QEMU's). See traces/capture/README.md.

Python 3 standard library only. Needs qemu-system-x86_64, cpio and (for the default kernel)
apt-get, dpkg and depmod: traces/capture/setup.sh installs them.
"""

import argparse
import fcntl
import gzip
import hashlib
import json
import lzma
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RELEASE = "6.1.0-56-amd64"
# The order the guest loads them in (../shared/ORACLE.md); their dependencies come first.
MODULES = ["libnvdimm", "nd_btt", "nd_pmem", "nd_e820", "dax_pmem", "device_dax", "kmem",
           "dax_hmem"]
CMDLINE_BASE = "console=ttyS0 loglevel=7 panic=-1 "
SIZE_SUFFIX = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40,
               "P": 1 << 50, "E": 1 << 60}


# Exit statuses: 0 a complete capture; 1 the guest ran but the log is incomplete (timeout,
# panic, no '=== end capture'); 2 bad arguments or scenario; 3 something the capture needs is
# missing (QEMU, cpio, busybox, the kernel package): traces/capture/setup.sh installs them.
EXIT_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_MISSING = 3


def log(msg):
    print("capture: " + msg, file=sys.stderr, flush=True)


def die(status, msg):
    log(msg)
    sys.exit(status)


class ScenarioError(Exception):
    pass


# --- the trace reader ------------------------------------------------------------------------

def tokens(line, where):
    """Splits a trace line into tokens as traces/FORMAT.md defines them. Each token is a
    (text, key, value) triple: text is the token as a plain string (quotes removed), key and
    value are set when the token has the key=value field shape."""
    out = []
    i = 0
    n = len(line)

    def quoted(i):
        # line[i] == '"'
        j = i + 1
        s = []
        while True:
            if j >= n:
                raise ScenarioError(f"{where}: expected a closing '\"' for this string")
            c = line[j]
            if c == "\\":
                if j + 1 < n and line[j + 1] in "\"\\":
                    s.append(line[j + 1])
                    j += 2
                    continue
                raise ScenarioError(f"{where}: expected \\\" or \\\\ after a backslash")
            if c == '"':
                return "".join(s), j + 1
            s.append(c)
            j += 1

    while i < n:
        if line[i] in " \t":
            i += 1
            continue
        if line[i] == '"':
            text, i = quoted(i)
            out.append((text, None, None))
        else:
            j = i
            while j < n and line[j] not in " \t\"":
                j += 1
            word = line[i:j]
            m = re.match(r"^([a-z_][a-z0-9_]*)=$", word)
            if m and j < n and line[j] == '"':
                value, j = quoted(j)
                out.append((word + value, m.group(1), value))
            else:
                m = re.match(r"^([a-z_][a-z0-9_]*)=(.*)$", word)
                out.append((word, m.group(1), m.group(2)) if m else (word, None, None))
            i = j
        if i < n and line[i] not in " \t":
            raise ScenarioError(f"{where}: expected a blank between tokens")
    return out


def parse_size(text, where):
    m = re.fullmatch(r"([0-9]+)([bBkKmMgGtTpPeE]?)", text)
    if not m or int(m.group(1)) == 0:
        raise ScenarioError(f"{where}: expected a size like 1G, 512M or 4096, got '{text}'")
    return int(m.group(1)) * SIZE_SUFFIX[m.group(2).upper()]


class Dimm:
    def __init__(self, ident, size_text, size, node, addr):
        self.id = ident
        self.size_text = size_text
        self.size = size
        self.node = node
        self.addr = addr

    def qemu_args(self):
        dev = f"pc-dimm,id={self.id},memdev=mem-{self.id}"
        if self.node is not None:
            dev += f",node={self.node}"
        if self.addr is not None:
            dev += f",addr={self.addr}"
        return ["-object", f"memory-backend-ram,id=mem-{self.id},size={self.size_text}",
                "-device", dev]

    def words(self):
        w = ["add", self.id, self.size_text]
        if self.node is not None:
            w.append(f"node={self.node}")
        if self.addr is not None:
            w.append(f"addr={self.addr}")
        return w


class Scenario:
    def __init__(self):
        self.kernel = None
        self.cmdline = None
        self.qemu = ""
        self.cold_dimms = []
        self.ops = []  # ("snapshot", label) | ("write", path, value) | ("dimm", words)
        self.ignored = {}

    def runtime_dimms(self):
        return any(op[0] == "dimm" for op in self.ops)


def read_scenario(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    sc = Scenario()
    if not lines or lines[0].rstrip("\r") != "memhp-trace v1":
        raise ScenarioError(f"{path}:1: expected 'memhp-trace v1'")
    booted = False
    known_dimms = {}
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        where = f"{path}:{number}"
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        toks = tokens(line, where)
        kw = toks[0][0]
        args = toks[1:]

        def need(count):
            if len(args) != count:
                raise ScenarioError(f"{where}: expected {count} argument(s) after '{kw}'")

        if kw in ("thread", "schedule") or kw.startswith("thread"):
            raise ScenarioError(f"{where}: '{kw}' lines cannot be captured (one guest, one "
                                "sequence of steps)")
        if kw in ("geometry", "profile", "toggle", "e820", "numa") or kw == "expect":
            sc.ignored[kw] = sc.ignored.get(kw, 0) + 1
            if kw == "geometry" and args and args[0][0] != "x86_64":
                raise ScenarioError(f"{where}: the capture boots x86_64 only, got geometry "
                                    f"'{args[0][0]}'")
            continue
        if kw in ("kernel", "cmdline", "qemu"):
            if booted:
                raise ScenarioError(f"{where}: expected '{kw}' before 'boot'")
            need(1)
            setattr(sc, kw, args[0][0])
            continue
        if kw == "boot":
            if booted:
                raise ScenarioError(f"{where}: expected exactly one 'boot'")
            need(0)
            booted = True
            continue
        if kw == "dimm":
            if not args or args[0][0] not in ("add", "remove"):
                raise ScenarioError(f"{where}: expected 'dimm add' or 'dimm remove'")
            if args[0][0] == "add":
                if len(args) < 3:
                    raise ScenarioError(f"{where}: expected 'dimm add ID SIZE [node=N] "
                                        "[addr=0xADDR]'")
                ident, size_text = args[1][0], args[2][0]
                if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", ident):
                    raise ScenarioError(f"{where}: expected a DIMM id, got '{ident}'")
                if ident in known_dimms:
                    raise ScenarioError(f"{where}: DIMM '{ident}' was added already")
                node = addr = None
                for text, key, value in args[3:]:
                    if key == "node" and re.fullmatch(r"[0-9]+", value):
                        node = int(value)
                    elif key == "addr" and re.fullmatch(r"(0[xX][0-9a-fA-F]+|[0-9]+)", value):
                        addr = value
                    else:
                        raise ScenarioError(f"{where}: expected node=N or addr=0xADDR, got "
                                            f"'{text}'")
                d = Dimm(ident, size_text, parse_size(size_text, where), node, addr)
                known_dimms[ident] = d
                if booted:
                    sc.ops.append(("dimm", d.words()))
                else:
                    sc.cold_dimms.append(d)
            else:
                if not booted:
                    raise ScenarioError(f"{where}: expected 'dimm remove' after 'boot'")
                need(2)
                sc.ops.append(("dimm", ["remove", args[1][0]]))
            continue
        if not booted:
            raise ScenarioError(f"{where}: expected 'boot' before '{kw}'")
        if kw == "snapshot":
            need(1)
            label = args[0][0]
            if not label or re.search(r"\s", label):
                raise ScenarioError(f"{where}: a capture snapshot label is one word, got "
                                    f"'{label}'")
            if label == "boot" and not sc.ops:
                continue  # the boot snapshot is always taken
            sc.ops.append(("snapshot", label))
            continue
        if kw == "write":
            need(2)
            p, v = args[0][0], args[1][0]
            if not p.startswith("/"):
                raise ScenarioError(f"{where}: expected an absolute path, got '{p}'")
            if "\n" in v:
                raise ScenarioError(f"{where}: a value cannot hold a newline")
            sc.ops.append(("write", p, v))
            continue
        raise ScenarioError(f"{where}: unknown line '{kw}'")
    if not booted:
        raise ScenarioError(f"{path}: expected a 'boot' line")
    return sc


def shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def guest_script(sc):
    out = ["# generated by traces/capture/capture.py", "snap boot"]
    for op in sc.ops:
        if op[0] == "snapshot":
            out.append("snap " + shell_quote(op[1]))
        elif op[0] == "write":
            out.append("w " + shell_quote(op[1]) + " " + shell_quote(op[2]))
        else:
            out.append("dimm " + " ".join(shell_quote(w) for w in op[1]))
    return "\n".join(out) + "\n"


# --- the kernel and its modules --------------------------------------------------------------

def cache_dir():
    if os.environ.get("MEMHP_CAPTURE_CACHE"):
        return os.environ["MEMHP_CAPTURE_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "memhp-capture")


def run(cmd, **kw):
    try:
        return subprocess.run(cmd, check=True, **kw)
    except FileNotFoundError:
        die(EXIT_MISSING, f"{cmd[0]} not found; run traces/capture/setup.sh")
    except subprocess.CalledProcessError as e:
        die(EXIT_MISSING, f"{' '.join(cmd)} failed with status {e.returncode}")


def debian_kernel(package):
    """Fetches (once) and unpacks Debian's kernel package into the cache; never installs it.
    Returns (vmlinuz, modules_dir)."""
    root = os.path.join(cache_dir(), package)
    tree = os.path.join(root, "root")
    done = os.path.join(root, ".unpacked")
    try:
        os.makedirs(root, exist_ok=True)
        lock = open(os.path.join(root, ".lock"), "w")
    except OSError as e:
        if not os.path.exists(done):
            die(EXIT_MISSING, f"cannot use the kernel cache {root}: {e}")
        lock = None  # a read-only cache that is complete will do
    with lock if lock else open(os.devnull) as _:
        if lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(done):
            debs = [f for f in os.listdir(root) if f.endswith(".deb")]
            if not debs:
                log(f"apt-get download {package} (into {root})")
                try:
                    r = subprocess.run(["apt-get", "download", package], cwd=root,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       text=True)
                except FileNotFoundError:
                    die(EXIT_MISSING, "apt-get not found: pass --kernel and --modules")
                debs = [f for f in os.listdir(root) if f.endswith(".deb")]
                if r.returncode != 0 or not debs:
                    die(EXIT_MISSING, f"apt-get download {package} failed:\n"
                        f"{r.stderr.strip()}\n(run `apt-get update` once, or pass --kernel "
                        "and --modules)")
            shutil.rmtree(tree, ignore_errors=True)
            run(["dpkg", "-x", os.path.join(root, sorted(debs)[-1]), tree])
            versions = os.listdir(os.path.join(tree, "lib", "modules"))
            if len(versions) != 1:
                die(EXIT_MISSING, f"expected one lib/modules/VERSION in {package}")
            # depmod lives in /usr/sbin, often not in a user's PATH.
            depmod = shutil.which("depmod") or next(
                (p for p in ("/usr/sbin/depmod", "/sbin/depmod") if os.path.exists(p)), "depmod")
            run([depmod, "-b", tree, versions[0]])
            open(done, "w").close()
        vmlinuz = [f for f in os.listdir(os.path.join(tree, "boot")) if f.startswith("vmlinuz-")]
        if len(vmlinuz) != 1:
            die(EXIT_MISSING, f"expected one boot/vmlinuz-* in {package}")
        version = os.listdir(os.path.join(tree, "lib", "modules"))[0]
        return (os.path.join(tree, "boot", vmlinuz[0]),
                os.path.join(tree, "lib", "modules", version))


def module_name(path):
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|gz|zst))?$", "", base)
    return base.replace("-", "_")


def resolve_modules(mod_dir):
    """The modules to load, in order, each as (name, path): MODULES and what modules.dep says
    they need (dependencies first). Built-in or missing ones are skipped with a note."""
    # A modules_install root (DIR/lib/modules/VERSION) is accepted too.
    lm = os.path.join(mod_dir, "lib", "modules")
    if os.path.isdir(lm) and not os.path.exists(os.path.join(mod_dir, "modules.dep")):
        versions = sorted(os.listdir(lm))
        if len(versions) == 1:
            mod_dir = os.path.join(lm, versions[0])
    dep_file = os.path.join(mod_dir, "modules.dep")
    if not os.path.exists(dep_file):
        log(f"no modules.dep in {mod_dir}: loading the .ko files found there without their "
            "dependencies (run `depmod -b ROOT VERSION` to have them)")
    deps = {}
    paths = {}
    if os.path.exists(dep_file):
        with open(dep_file) as f:
            for line in f:
                if ":" not in line:
                    continue
                mod, rest = line.split(":", 1)
                name = module_name(mod)
                paths[name] = os.path.join(mod_dir, mod)
                deps[name] = [module_name(d) for d in rest.split()]
                for d in rest.split():
                    paths.setdefault(module_name(d), os.path.join(mod_dir, d))
    else:
        for dirpath, _, files in os.walk(mod_dir):
            for f in files:
                if re.search(r"\.ko(\.(xz|gz|zst))?$", f):
                    paths.setdefault(module_name(f), os.path.join(dirpath, f))
    builtin = set()
    bfile = os.path.join(mod_dir, "modules.builtin")
    if os.path.exists(bfile):
        with open(bfile) as f:
            builtin = {module_name(l.strip()) for l in f if l.strip()}
    order = []

    def visit(name, stack):
        if name in order or name in builtin:
            return
        if name in stack:
            return
        if name not in paths:
            log(f"module {name} not found in {mod_dir}: skipped")
            return
        # modules.dep lists the dependencies nearest first; load the farthest first.
        for d in reversed(deps.get(name, [])):
            visit(d, stack + [name])
        order.append(name)

    for m in MODULES:
        if m in builtin:
            log(f"module {m} is built in")
        visit(m, [])
    return [(m, paths[m]) for m in order]


def module_bytes(path):
    if path.endswith(".xz"):
        return lzma.open(path).read()
    if path.endswith(".gz"):
        return gzip.open(path).read()
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True, stdout=subprocess.PIPE).stdout
    with open(path, "rb") as f:
        return f.read()


def find_busybox():
    for p in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(p):
            r = subprocess.run(["file", "-L", p], stdout=subprocess.PIPE, text=True) \
                if shutil.which("file") else None
            if r is None or "statically linked" in r.stdout or "static-pie" in r.stdout:
                return p
    die(EXIT_MISSING, "no static busybox (/bin/busybox); run traces/capture/setup.sh")


def cpio(src_dir, out_path, compress):
    """Packs src_dir with Debian's cpio (newc, owner root)."""
    names = []
    for dirpath, dirnames, files in os.walk(src_dir):
        rel = os.path.relpath(dirpath, src_dir)
        for d in sorted(dirnames):
            names.append(os.path.normpath(os.path.join(rel, d)))
        for f in sorted(files):
            names.append(os.path.normpath(os.path.join(rel, f)))
    data = "".join(n + "\n" for n in names).encode()
    try:
        r = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], cwd=src_dir,
                           input=data, stdout=subprocess.PIPE)
    except FileNotFoundError:
        die(EXIT_MISSING, "cpio not found; run traces/capture/setup.sh")
    if r.returncode != 0:
        die(EXIT_MISSING, "cpio failed; run traces/capture/setup.sh")
    out = gzip.compress(r.stdout, 9) if compress else r.stdout
    # The kernel looks for the next archive of a concatenation at a 4-byte boundary.
    out += b"\0" * (-len(out) % 4)
    with open(out_path, "ab") as f:
        f.write(out)


def build_initramfs(work, modules, sc, with_ctl):
    """The busybox initramfs: a gzipped cpio with busybox, /init and the modules, followed by
    an uncompressed cpio with the scenario (the kernel unpacks concatenated archives)."""
    base = os.path.join(work, "base")
    for d in ("bin", "proc", "sys", "dev", "tmp", "lib/modules"):
        os.makedirs(os.path.join(base, d))
    shutil.copy(find_busybox(), os.path.join(base, "bin", "busybox"))
    shutil.copy(os.path.join(HERE, "guest", "init.sh"), os.path.join(base, "init"))
    os.chmod(os.path.join(base, "init"), 0o755)
    for name, path in modules:
        with open(os.path.join(base, "lib", "modules", name + ".ko"), "wb") as f:
            f.write(module_bytes(path))
    with open(os.path.join(base, "modules.list"), "w") as f:
        f.write("".join(name + "\n" for name, _ in modules))
    scen = os.path.join(work, "scenario")
    os.makedirs(scen)
    with open(os.path.join(scen, "scenario.sh"), "w") as f:
        f.write(guest_script(sc))
    if with_ctl:
        open(os.path.join(scen, "ctl"), "w").close()
    image = os.path.join(work, "initramfs.img")
    cpio(base, image, compress=True)
    cpio(scen, image, compress=False)
    return image


# --- QMP and the control port ----------------------------------------------------------------

class Qmp:
    def __init__(self, path, deadline):
        self.sock = connect_unix(path, deadline)
        self.file = self.sock.makefile("rwb", buffering=0)
        self.events = []
        self.lock = threading.Condition()
        self.replies = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise RuntimeError(f"unexpected QMP greeting {greeting}")
        threading.Thread(target=self._reader, daemon=True).start()
        self.command("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def _reader(self):
        while True:
            try:
                msg = self._read()
            except (EOFError, OSError, ValueError):
                with self.lock:
                    self.replies.append({"error": {"desc": "QMP connection closed"}})
                    self.lock.notify_all()
                return
            with self.lock:
                if "event" in msg:
                    self.events.append(msg)
                else:
                    self.replies.append(msg)
                self.lock.notify_all()

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        with self.lock:
            self.replies.clear()
        self.file.write(json.dumps(msg).encode() + b"\n")
        with self.lock:
            if not self.lock.wait_for(lambda: self.replies, timeout=30):
                raise RuntimeError(f"no QMP reply to {name}")
            reply = self.replies.pop(0)
        if "error" in reply:
            raise RuntimeError(reply["error"].get("desc", str(reply["error"])))
        return reply.get("return")

    def wait_event(self, match, timeout):
        """Waits for an event for which match(event) is true (events seen before count)."""
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                for i, e in enumerate(self.events):
                    if match(e):
                        del self.events[i]
                        return e
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)


def connect_unix(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def ost(e, device, source):
    if e.get("event") != "ACPI_DEVICE_OST":
        return False
    info = e.get("data", {}).get("info", {})
    return info.get("device") == device and info.get("source") == source


def dimm_op(qmp, words, timeout):
    """Performs one run-time DIMM step; returns "ok" or "err TEXT" (one line)."""
    try:
        if words[0] == "add":
            ident, size = words[1], parse_size(words[2], "dimm add")
            opts = {}
            for w in words[3:]:
                k, v = w.split("=", 1)
                opts[k] = int(v, 0)
            qmp.command("object-add", **{"qom-type": "memory-backend-ram", "id": f"mem-{ident}",
                                         "size": size})
            qmp.command("device_add", driver="pc-dimm", id=ident, memdev=f"mem-{ident}", **opts)
            # The guest's ACPI memory driver evaluates _OST when it is done (source 1: device
            # check); QEMU reports it as ACPI_DEVICE_OST.
            e = qmp.wait_event(lambda e: ost(e, ident, 1), timeout)
            if e is None:
                return f"err no _OST from the guest for {ident} within {timeout} s"
            status = e["data"]["info"].get("status")
            return "ok" if status == 0 else f"err ACPI _OST status {status:#x}"
        ident = words[1]
        qmp.command("device_del", id=ident)
        # Success: the guest ejects the DIMM (_EJ0) and QEMU deletes it. Failure: the guest
        # reports _OST(eject request, status other than 0 and 0x84 "ejection in progress").
        e = qmp.wait_event(
            lambda e: (e.get("event") == "DEVICE_DELETED" and
                       e.get("data", {}).get("device") == ident) or
                      (ost(e, ident, 3) and e["data"]["info"].get("status") not in (0, 0x84)),
            timeout)
        if e is None:
            return f"err {ident} not ejected within {timeout} s"
        if e["event"] == "DEVICE_DELETED":
            try:
                qmp.command("object-del", id=f"mem-{ident}")
            except RuntimeError:
                pass
            return "ok"
        return f"err ACPI _OST status {e['data']['info'].get('status'):#x}"
    except (RuntimeError, ValueError, KeyError) as ex:
        return "err QMP: " + " ".join(str(ex).split())


def control_loop(ctl_path, qmp_path, deadline, step_timeout, stop):
    """Serves the guest's requests on the control port until the guest or QEMU goes away."""
    try:
        ctl = connect_unix(ctl_path, deadline)
        qmp = Qmp(qmp_path, deadline)
    except OSError as e:
        log(f"control port: {e}")
        return
    f = ctl.makefile("rwb", buffering=0)
    buf = b""
    while not stop.is_set():
        try:
            chunk = ctl.recv(4096)
        except OSError:
            return
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.decode(errors="replace").strip().split()
            if len(words) < 2 or words[0] != "dimm":
                continue
            log("guest asks: " + " ".join(words))
            reply = dimm_op(qmp, words[1:], step_timeout)
            log("answer: " + reply)
            f.write(reply.encode() + b"\n")


# --- main ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        prog="capture.sh",
        description="Boots a kernel under QEMU (TCG), runs a memhp scenario in a busybox "
                    "initramfs and writes the serial console as a capture-log v1 file.")
    ap.add_argument("scenario", help="a trace file (traces/FORMAT.md) without expectations")
    ap.add_argument("out", help="the capture log to write")
    ap.add_argument("--kernel", help="a bzImage to boot instead of Debian's")
    ap.add_argument("--modules", help="its modules: lib/modules/VERSION (with modules.dep), "
                    "a modules_install root, or any directory holding the .ko files")
    ap.add_argument("--package", help="the Debian kernel package to fetch (default: "
                    "linux-image-RELEASE from the trace's 'kernel' line, else "
                    f"linux-image-{DEFAULT_RELEASE})")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before the guest is "
                    "killed (default 300)")
    ap.add_argument("--step-timeout", type=float, default=120, help="seconds QEMU may take for "
                    "one run-time DIMM step (default 120)")
    ap.add_argument("--qemu", default="qemu-system-x86_64", help="the QEMU binary")
    ap.add_argument("--verbose", "-v", action="store_true", help="echo the console")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()

    try:
        sc = read_scenario(a.scenario)
    except (ScenarioError, OSError, UnicodeDecodeError) as e:
        die(EXIT_USAGE, str(e))
    if sc.ignored:
        log("ignored (model-only) lines: " +
            ", ".join(f"{k} x{v}" for k, v in sorted(sc.ignored.items())))

    if bool(a.kernel) != bool(a.modules):
        die(EXIT_USAGE, "--kernel and --modules go together")
    if a.kernel:
        vmlinuz, mod_dir = a.kernel, a.modules
        for p in (vmlinuz, mod_dir):
            if not os.path.exists(p):
                die(EXIT_USAGE, f"{p}: no such file or directory")
    else:
        package = a.package
        if not package:
            release = sc.kernel if sc.kernel and re.fullmatch(r"[0-9][0-9a-z.+-]*-amd64",
                                                              sc.kernel) else DEFAULT_RELEASE
            package = "linux-image-" + release
        vmlinuz, mod_dir = debian_kernel(package)
    if not shutil.which(a.qemu):
        die(EXIT_MISSING, f"{a.qemu} not found; run traces/capture/setup.sh")

    modules = resolve_modules(mod_dir)
    with_ctl = sc.runtime_dimms()
    work = tempfile.mkdtemp(prefix="memhp-capture-")
    try:
        image = build_initramfs(work, modules, sc, with_ctl)
        cmdline = sc.cmdline or ""
        if "console=" not in cmdline:
            cmdline = CMDLINE_BASE + cmdline
        mem_args = shlex.split(sc.qemu)
        for d in sc.cold_dimms:
            if f"id={d.id}," not in sc.qemu and not sc.qemu.endswith(f"id={d.id}"):
                mem_args += d.qemu_args()
        # Unix socket paths are limited to 107 bytes: keep them short (a Bazel test's TMPDIR
        # is long).
        sock_dir = work if len(work) < 80 else tempfile.mkdtemp(prefix="memhp-", dir="/tmp")
        qmp_path = os.path.join(sock_dir, "qmp.sock")
        ctl_path = os.path.join(sock_dir, "ctl.sock")
        cmd = [a.qemu, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-nographic", "-no-reboot",
               "-kernel", vmlinuz, "-initrd", image, "-append", cmdline] + mem_args
        cmd += ["-qmp", f"unix:{qmp_path},server=on,wait=off"]
        if with_ctl:
            # ttyS1, the control port. A second -serial turns the default one off, so the
            # console (ttyS0, muxed with the monitor as -nographic does it) is named too.
            cmd += ["-serial", "mon:stdio",
                    "-chardev", f"socket,id=memhpctl,path={ctl_path},server=on,wait=off",
                    "-serial", "chardev:memhpctl"]
        log("running " + " ".join(shlex.quote(c) for c in cmd))
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        out = bytearray()

        def pump():
            while True:
                chunk = proc.stdout.read1(65536)
                if not chunk:
                    return
                out.extend(chunk)
                if a.verbose:
                    sys.stderr.buffer.write(chunk)
                    sys.stderr.buffer.flush()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        stop = threading.Event()
        if with_ctl:
            threading.Thread(target=control_loop, daemon=True,
                             args=(ctl_path, qmp_path, started + 30, a.step_timeout,
                                   stop)).start()
        timed_out = False
        try:
            proc.wait(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        stop.set()
        reader.join(timeout=10)
        err = proc.stderr.read().decode(errors="replace").strip()
        elapsed = time.monotonic() - started

        # Serial line ends are CRLF; the capture logs use LF (nothing else is changed).
        text = bytes(out).replace(b"\r\n", b"\n")
        if text and not text.endswith(b"\n"):
            text += b"\n"
        qemu_line = " ".join([sc.qemu.strip()] + [shlex.quote(w) for w in mem_args[len(
            shlex.split(sc.qemu)):]]).strip()
        text += f"=== qemu {qemu_line}\n".encode()
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "wb") as f:
            f.write(text)
        if err:
            log("qemu stderr: " + err)
        complete = b"\n=== end capture\n" in text
        if sock_dir != work:
            shutil.rmtree(sock_dir, ignore_errors=True)
        if timed_out:
            log(f"timed out after {a.timeout:.0f} s: the guest was killed; {a.out} is partial")
            return EXIT_INCOMPLETE
        if not complete:
            log(f"no '=== end capture' after {elapsed:.1f} s (qemu status {proc.returncode}): "
                f"{a.out} is partial")
            return EXIT_INCOMPLETE
        log(f"wrote {a.out} in {elapsed:.1f} s")
        return 0
    finally:
        if a.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
