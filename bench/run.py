"""bench/run.py - libllmkit's benchmark, one command (bench/run; docs/PERFORMANCE.md).

Builds the bench programs in their own release build directory (build-bench/),
starts bench/server.c on 127.0.0.1, and measures in one run, repeated and
interleaved so that the ratios compare runs made under the same load:
  1. per-request overhead: llmk_send vs raw libcurl+jansson, client and
     server on the same core and on different cores; callgrind instructions
  2. the openai Python SDK (sync, async) and litellm, from a venv it creates
  3. streaming: cost per SSE event vs jansson alone; 1-byte writes vs whole events
  4. footprint: stripped .so, peak RSS, start to first response vs import openai
  5. the loopback floor (plain socket client)
  and 64 requests in flight on one thread: raw curl multi vs llmk_multi;
  6. a bulk embedding answer (2048 x 1536 and 2048 x 3072): llmk_send
     (base64 and decimal) vs the openai SDK vs raw libcurl + jansson;
  7. TLS + HTTP/2 through nghttpx (if installed): 64 in flight on one
     connection, llmk_multi vs raw curl multi; connection set-up with and
     without TLS session reuse.
Prints a table and writes bench/results/<date>-<commit>.{md,json}.

Only the standard library: it runs under the system python3.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPU = CPUS[0]
OTHER_CPU = CPUS[1] if len(CPUS) > 1 else CPUS[0]
ENV = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
           LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_TELEMETRY="False")
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
    ENV.pop(var, None)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.bdir = os.path.abspath(args.build_dir or os.path.join(ROOT, "build-bench"))
        self.exe = lambda name: os.path.join(self.bdir, "bench", name)
        self.rows = []      # (section, what, value, target, verdict)
        self.raw = {}       # every measurement, for the json file
        self.server = None

    # ---- processes ------------------------------------------------------

    def run(self, cmd, cpu=None, timeout=600):
        """Runs a program, returns (its result line as a dict, rusage, wall s)."""
        pre = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, preexec_fn=pre)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise SystemExit("bench: %s timed out" % " ".join(cmd))
        wall = time.perf_counter() - t
        if p.returncode:
            raise SystemExit("bench: %s failed (%d):\n%s" % (" ".join(cmd), p.returncode, err.decode()[-2000:]))
        line = [l for l in out.decode().splitlines() if l.startswith("{")]
        return (json.loads(line[-1]) if line else {}), wall

    def spawn_timed(self, cmd, cpu=None):
        """Wall time from fork to exit and peak RSS (kB) of a short program."""
        pre = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, preexec_fn=pre)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode:
            raise SystemExit("bench: %s failed: %s" % (" ".join(cmd), p.stderr.read().decode()[-2000:]))
        p.stderr.close()
        return wall, ru.ru_maxrss

    def start_server(self):
        self.server = subprocess.Popen([self.exe("bench_server")], stdout=subprocess.PIPE, env=ENV)
        os.sched_setaffinity(self.server.pid, {SERVER_CPU})
        line = self.server.stdout.readline().decode()
        m = re.match(r"PORT (\d+)", line)
        if not m:
            raise SystemExit("bench: the server did not start")
        self.port = int(m.group(1))
        self.base = "http://127.0.0.1:%d/v1" % self.port

    def stop_server(self):
        if self.server:
            self.server.terminate()
            self.server.wait()

    # ---- build ----------------------------------------------------------

    def build(self):
        if not os.path.exists(os.path.join(self.bdir, "build.ninja")):
            subprocess.check_call(["meson", "setup", self.bdir, ROOT, "--buildtype=release", "-Dtests=false",
                                   "-Dexamples=false", "-Dbench=true"], stdout=subprocess.DEVNULL)
        subprocess.check_call(["ninja", "-C", self.bdir, "-j2"], stdout=subprocess.DEVNULL)

    # ---- reporting ------------------------------------------------------

    def row(self, section, what, value, target="", verdict=""):
        self.rows.append((section, what, value, target, verdict))
        log("  %-44s %s %s %s" % (what, value, target, verdict))

    @staticmethod
    def med(v):
        return statistics.median(v) if v else float("nan")

    @staticmethod
    def spread(v, fmt="%.2f"):
        return ("[" + fmt + "–" + fmt + "]") % (min(v), max(v)) if len(v) > 1 else ""

    def ratio_row(self, section, what, ratios, target=None, higher_is_better=False):
        m = self.med(ratios)
        verdict = ""
        tgt = ""
        if target is not None:
            tgt = ("≥ %g×" if higher_is_better else "≤ %g×") % target
            ok = m >= target if higher_is_better else m <= target
            verdict = "meets" if ok else "MISSES"
        self.row(section, what, "%.2f× %s" % (m, self.spread(ratios)), tgt, verdict)

    # ---- 1 and 5: per-request overhead and the floor ----------------------

    def overhead(self):
        a = self.args
        log("1. per-request overhead (%d requests x %d repeats)" % (a.requests, a.repeat))
        progs = {
            "floor": lambda cpu: self.run([self.exe("sock_floor"), str(self.port), str(a.requests)], cpu),
            "raw": lambda cpu: self.run([self.exe("raw_curl"), self.base, str(a.requests)], cpu),
            "llmk": lambda cpu: self.run([self.exe("llmk_chat"), "chat", self.base, str(a.requests)], cpu),
        }
        res = {(p, pin): [] for p in progs for pin in ("same", "diff")}
        order = list(progs)
        for r in range(a.repeat):
            for pin, cpu in (("same", SERVER_CPU), ("diff", OTHER_CPU)):
                for p in order[r % 3:] + order[:r % 3]:  # rotate who goes first
                    res[(p, pin)].append(progs[p](cpu)[0])
        self.raw["overhead"] = {"%s/%s" % k: v for k, v in res.items()}
        names = {"floor": "plain socket (floor)", "raw": "raw libcurl+jansson", "llmk": "libllmkit llmk_send"}
        for pin, label in (("same", "same core"), ("diff", "different cores")):
            for p in order:
                cpu = [x["cpu_us_per"] for x in res[(p, pin)]]
                p50 = [x["p50_us"] for x in res[(p, pin)]]
                p99 = [x["p99_us"] for x in res[(p, pin)]]
                self.row("1. overhead, %s" % label, names[p],
                         "CPU %.1f µs/req %s, p50 %.1f µs, p99 %.1f µs" %
                         (self.med(cpu), self.spread(cpu, "%.1f"), self.med(p50), self.med(p99)))
            ratios = [l["cpu_us_per"] / r["cpu_us_per"] for l, r in zip(res[("llmk", pin)], res[("raw", pin)])]
            self.ratio_row("1. overhead, %s" % label, "CPU/request llmk ÷ raw (paired runs)", ratios, 1.15)
            lat = [l["p50_us"] / r["p50_us"] for l, r in zip(res[("llmk", pin)], res[("raw", pin)])]
            self.ratio_row("1. overhead, %s" % label, "p50 latency llmk ÷ raw", lat)
            fl = [l["p50_us"] / r["p50_us"] for l, r in zip(res[("llmk", pin)], res[("floor", pin)])]
            self.ratio_row("5. floor, %s" % label, "p50 latency llmk ÷ plain socket", fl)
        self.seq_llmk = {label: {k: self.med([x[k] for x in res[("llmk", pin)]]) for k in ("per_s", "cpu_us_per")}
                         for pin, label in (("same", "same core"), ("diff", "different cores"))}

    # ---- callgrind --------------------------------------------------------

    def instructions(self, cmd_for_n, n1, n2, per):
        """Instructions per unit: the difference between two runs (start-up cancels out)."""
        counts = []
        for n in (n1, n2):
            with tempfile.NamedTemporaryFile(prefix="bench-cg-", delete=False) as f:
                out = f.name
            try:
                p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd_for_n(n),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900,
                                   env=dict(ENV, BENCH_NO_PERCENTILES="1"))
                if p.returncode:
                    raise SystemExit("bench: callgrind failed: %s" % p.stderr.decode()[-1500:])
                with open(out) as f:
                    tot = [l for l in f if l.startswith("summary:") or l.startswith("totals:")]
                counts.append(int(tot[-1].split()[1]))
            finally:
                os.unlink(out)
        return (counts[1] - counts[0]) / float(per(n2) - per(n1))

    def callgrind(self):
        if not shutil.which("valgrind"):
            self.row("1. callgrind", "valgrind not installed", "skipped")
            return
        log("1. callgrind instructions per request (deterministic)")
        n1, n2 = 20, 220
        ir = {
            "raw": self.instructions(lambda n: [self.exe("raw_curl"), self.base, str(n), "5"], n1, n2, lambda n: n),
            "llmk": self.instructions(lambda n: [self.exe("llmk_chat"), "chat", self.base, str(n), "5"], n1, n2,
                                      lambda n: n),
            "floor": self.instructions(lambda n: [self.exe("sock_floor"), str(self.port), str(n), "5"], n1, n2,
                                       lambda n: n),
        }
        # The response cache: a hit (no transfer) against the plain send above.
        cache_db = os.path.join(tempfile.gettempdir(), "bench-cache-%d.db" % os.getpid())
        ir["cached_memory"] = self.instructions(
            lambda n: [self.exe("llmk_chat"), "cached", self.base, str(n), "5"], n1, n2, lambda n: n)
        ir["cached_sqlite"] = self.instructions(
            lambda n: [self.exe("llmk_chat"), "cached", self.base, str(n), "5", cache_db], n1, n2, lambda n: n)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(cache_db + suffix):
                os.unlink(cache_db + suffix)
        chunks = min(self.args.chunks, 2000)  # per-event cost is linear; keeps valgrind short
        ev = lambda reps: reps * (chunks + 4)
        ir["llmk_stream"] = self.instructions(
            lambda reps: [self.exe("llmk_chat"), "memstream", str(chunks), "0", str(reps)], 1, 3, ev)
        ir["jansson_sse"] = self.instructions(
            lambda reps: [self.exe("jansson_sse"), str(chunks), str(reps)], 1, 3, ev)
        ir["llmk_stream_1byte"] = self.instructions(
            lambda reps: [self.exe("llmk_chat"), "memstream", str(chunks), "1", str(reps)], 1, 3, ev)
        self.raw["callgrind"] = ir
        for k, label in (("floor", "plain socket"), ("raw", "raw libcurl+jansson"), ("llmk", "libllmkit llmk_send")):
            self.row("1. callgrind", label, "%.0f instructions/request" % ir[k])
        self.ratio_row("1. callgrind", "instructions/request llmk ÷ raw", [ir["llmk"] / ir["raw"]], 1.15)
        for k, label in (("cached_memory", "llmk_send, cache hit (memory store)"),
                         ("cached_sqlite", "llmk_send, cache hit (SQLite store)")):
            self.row("6. callgrind", label, "%.0f instructions/request" % ir[k])
            self.ratio_row("6. callgrind", "instructions/request %s ÷ plain send" % label.split(", ")[1],
                           [ir[k] / ir["llmk"]])
        for k, label in (("jansson_sse", "jansson alone"), ("llmk_stream", "llmk_stream, whole events"),
                         ("llmk_stream_1byte", "llmk_stream, 1 byte per write")):
            self.row("3. callgrind", label, "%.0f instructions/event" % ir[k])
        self.ratio_row("3. callgrind", "instructions/event llmk ÷ jansson", [ir["llmk_stream"] / ir["jansson_sse"]],
                       1.2)
        self.ratio_row("3. callgrind", "instructions/event 1-byte ÷ whole events",
                       [ir["llmk_stream_1byte"] / ir["llmk_stream"]], 2)

    # ---- 3: streaming -------------------------------------------------------

    def streaming(self):
        a = self.args
        n = a.chunks
        log("3. streaming (%d chunks x %d repeats)" % (n, a.repeat))
        res = {"jansson": [], "mem0": [], "mem1": [], "net0": [], "net1": [], "raw0": [], "raw1": []}
        base = lambda w: "http://127.0.0.1:%d/n%d/w%d/v1" % (self.port, n, w)
        for _ in range(a.repeat):
            res["jansson"].append(self.run([self.exe("jansson_sse"), str(n), "3"], OTHER_CPU)[0])
            res["mem0"].append(self.run([self.exe("llmk_chat"), "memstream", str(n), "0", "3"], OTHER_CPU)[0])
            res["mem1"].append(self.run([self.exe("llmk_chat"), "memstream", str(n), "1", "3"], OTHER_CPU)[0])
            res["raw0"].append(self.run([self.exe("raw_curl"), "--stream", base(0)], OTHER_CPU)[0])
            res["net0"].append(self.run([self.exe("llmk_chat"), "stream", base(0)], OTHER_CPU)[0])
        for _ in range(max(1, a.repeat // 2)):
            res["raw1"].append(self.run([self.exe("raw_curl"), "--stream", base(1)], OTHER_CPU)[0])
            res["net1"].append(self.run([self.exe("llmk_chat"), "stream", base(1)], OTHER_CPU)[0])
        self.raw["streaming"] = res
        labels = {"jansson": "jansson alone (parse each chunk's JSON)",
                  "mem0": "llmk_stream in-process, one event per write",
                  "mem1": "llmk_stream in-process, 1 byte per write",
                  "raw0": "raw libcurl+jansson SSE client, loopback, whole writes",
                  "net0": "llmk_stream, loopback, whole writes",
                  "raw1": "raw libcurl+jansson SSE client, loopback, 1 byte per send()",
                  "net1": "llmk_stream, loopback, 1 byte per send()"}
        for k in ("jansson", "mem0", "mem1", "raw0", "net0", "raw1", "net1"):
            v = [x["cpu_us_per"] for x in res[k]]
            self.row("3. streaming", labels[k], "CPU %.2f µs/event %s" % (self.med(v), self.spread(v, "%.2f")))
        pair = lambda x, y: [p["cpu_us_per"] / q["cpu_us_per"] for p, q in zip(res[x], res[y])]
        self.ratio_row("3. streaming", "CPU/event llmk (in-process) ÷ jansson alone", pair("mem0", "jansson"), 1.2)
        self.ratio_row("3. streaming", "CPU/event llmk (loopback) ÷ jansson alone", pair("net0", "jansson"), 1.2)
        self.ratio_row("3. streaming", "CPU/event llmk ÷ raw SSE client (loopback)", pair("net0", "raw0"))
        self.ratio_row("3. streaming", "CPU/event 1-byte ÷ whole events (in-process)", pair("mem1", "mem0"), 2)
        self.ratio_row("3. streaming", "CPU/event 1-byte ÷ whole (loopback; syscalls)", pair("net1", "net0"))
        self.ratio_row("3. streaming", "CPU/event 1-byte: llmk ÷ raw SSE client (loopback)", pair("net1", "raw1"))

    # ---- multi --------------------------------------------------------------

    def multi(self):
        a = self.args
        k = 64
        n = a.multi_requests
        log("64 in flight on one thread (%d requests x %d repeats)" % (n, a.repeat))
        have = os.path.exists(self.exe("llmk_multi"))
        res = {"raw": [], "llmk": [], "threads": []}
        for _ in range(a.repeat):
            res["raw"].append(self.run([self.exe("raw_multi"), self.base, str(n), str(k)], OTHER_CPU)[0])
            if have:
                res["llmk"].append(self.run([self.exe("llmk_multi"), self.base, str(n), str(k)], OTHER_CPU)[0])
            res["threads"].append(self.run([self.exe("llmk_chat"), "threads", self.base, str(n), str(k)],
                                           OTHER_CPU)[0])
        self.raw["multi"] = res
        for key, label in (("raw", "raw curl multi (1 thread)"), ("llmk", "llmk_multi (1 thread)"),
                           ("threads", "llmk_send from 64 threads")):
            if not res[key]:
                self.row("multi, 64 in flight", label, "not built (llmkit.h has no llmk_multi_new yet)")
                continue
            rps = [x["per_s"] for x in res[key]]
            cpu = [x["cpu_us_per"] for x in res[key]]
            self.row("multi, 64 in flight", label, "%.0f req/s %s, CPU %.1f µs/req %s" %
                     (self.med(rps), self.spread(rps, "%.0f"), self.med(cpu), self.spread(cpu, "%.1f")))
        if res["llmk"]:
            self.ratio_row("multi, 64 in flight", "CPU/request llmk_multi ÷ raw multi",
                           [l["cpu_us_per"] / r["cpu_us_per"] for l, r in zip(res["llmk"], res["raw"])], 1.15)
        self.multi_rps = self.med([x["per_s"] for x in (res["llmk"] or res["threads"])])
        self.multi_label = "llmk_multi" if res["llmk"] else "llmk_send x 64 threads"

    # ---- 6: embeddings ------------------------------------------------------------

    def embeddings(self):
        a = self.args
        n = a.embed_inputs
        log("6. embeddings (%d inputs, %d repeats)" % (n, a.embed_repeat))
        script = os.path.join(BENCH, "py_bench.py")
        py = getattr(self, "py", None)
        if py and "python_versions" not in self.raw:
            self.raw["python_versions"] = subprocess.run(
                [py, "-c", "import openai, importlib.metadata as m; print(openai.__version__, m.version('numpy'))"],
                capture_output=True, env=ENV, text=True).stdout.split()
        self.raw["embeddings"] = {}
        for dim in a.embed_dims:
            base = "http://127.0.0.1:%d/e%dx%d/v1" % (self.port, n, dim)
            progs = {
                "b64": lambda: self.run([self.exe("llmk_embed"), "base64", base, str(n), str(dim),
                                         str(a.embed_responses)], OTHER_CPU)[0],
                "float": lambda: self.run([self.exe("llmk_embed"), "float", base, str(n), str(dim),
                                           str(max(1, a.embed_responses // 2))], OTHER_CPU)[0],
                "raw": lambda: self.run([self.exe("raw_embed"), base, str(n), str(dim),
                                         str(max(1, a.embed_responses // 3))], OTHER_CPU)[0],
            }
            if py:
                progs["py"] = lambda: self.run([py, script, "openai_embed", base, str(max(1, a.embed_responses // 2)),
                                                str(n), str(dim)], OTHER_CPU)[0]
            res = {k: [] for k in progs}
            order = list(progs)
            for r in range(a.embed_repeat):
                for k in order[r % len(order):] + order[:r % len(order)]:
                    res[k].append(progs[k]())
            self.raw["embeddings"][dim] = res
            sec = "6. embeddings %dx%d" % (n, dim)
            labels = {"b64": "llmk_send, base64 (the openai preset)",
                      "float": "llmk_send, decimal text (openai-compatible preset)",
                      "raw": "raw libcurl + jansson, decimal text",
                      "py": "openai %s embeddings.create (base64, %s decoder)" %
                            ((self.raw.get("python_versions") or ["?"])[0],
                             res["py"][0]["name"].rsplit("_", 1)[-1] if res.get("py") else "")}
            for k in order:
                cpu = [x["cpu_us_per"] / 1e3 for x in res[k]]
                wall = [x["p50_us"] / 1e3 for x in res[k]]
                rss = [x["maxrss_kb"] / 1024.0 for x in res[k]]
                self.row(sec, labels[k], "CPU %.1f ms/response %s, wall p50 %.1f ms %s, peak RSS %.1f MiB" %
                         (self.med(cpu), self.spread(cpu, "%.1f"), self.med(wall), self.spread(wall, "%.1f"),
                          self.med(rss)))
            pair = lambda x, y, f: [f(p) / f(q) for p, q in zip(res[x], res[y])]
            cpu = lambda x: x["cpu_us_per"]
            wall = lambda x: x["p50_us"]
            if "py" in res:
                self.ratio_row(sec, "CPU/response openai SDK ÷ llmk base64", pair("py", "b64", cpu), 5, True)
                self.ratio_row(sec, "wall/response openai SDK ÷ llmk base64", pair("py", "b64", wall), 5, True)
            self.ratio_row(sec, "CPU/response raw jansson floats ÷ llmk base64", pair("raw", "b64", cpu), 3, True)
            self.ratio_row(sec, "wall/response raw jansson floats ÷ llmk base64", pair("raw", "b64", wall), 3, True)
            self.ratio_row(sec, "CPU/response raw jansson floats ÷ llmk decimal", pair("raw", "float", cpu))
            floats_mib = n * dim * 4 / 1048576.0
            limit = 2 * floats_mib + 16
            rss = self.med([x["maxrss_kb"] / 1024.0 for x in res["b64"]])
            self.row(sec, "peak RSS llmk base64 (floats %.1f MiB)" % floats_mib, "%.1f MiB" % rss,
                     "≤ %.1f MiB (2 × floats + 16)" % limit, "meets" if rss <= limit else "MISSES")
            rssf = self.med([x["maxrss_kb"] / 1024.0 for x in res["float"]])
            self.row(sec, "peak RSS llmk decimal", "%.1f MiB" % rssf, "≤ %.1f MiB" % limit,
                     "meets" if rssf <= limit else "MISSES")

    # ---- 7: TLS + HTTP/2 -------------------------------------------------------

    def nghttpx_start(self, d, name, extra):
        """nghttpx on a free port: TLS + HTTP/2 in front of the bench server."""
        import socket
        sk = socket.socket()
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
        sk.close()
        log_path = os.path.join(d, name + ".log")
        cmd = [self.nghttpx, "--conf=/dev/null", "-f127.0.0.1,%d" % port, "-b127.0.0.1,%d" % self.port,
               "--no-ocsp", "--workers=1", "--frontend-http2-max-concurrent-streams=128",
               "--accesslog-file=" + log_path, "--accesslog-format=$remote_port $alpn $tls_session_reused $status",
               "--errorlog-file=" + os.path.join(d, name + ".err")] + extra + \
              [os.path.join(d, "srv.key"), os.path.join(d, "srv.pem")]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        os.sched_setaffinity(p.pid, {SERVER_CPU})
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.01)
        else:
            p.kill()
            raise SystemExit("bench: nghttpx did not start")
        return p, port, log_path

    @staticmethod
    def log_since(path, off, want=0):
        """Access-log lines written since offset off (waiting up to 5 s for
        want of them): (lines, new offset)."""
        for _ in range(500):  # nghttpx writes each line as its request ends
            with open(path) as f:
                f.seek(off)
                text = f.read()
            if text.endswith("\n") and text.count("\n") >= want:
                break
            time.sleep(0.01)
        return [l.split() for l in text.splitlines() if l.strip()], off + len(text.encode())

    def tls(self):
        a = self.args
        self.nghttpx = shutil.which("nghttpx") or next((p for p in ("/usr/sbin/nghttpx", "/usr/local/sbin/nghttpx")
                                                         if os.access(p, os.X_OK)), None)
        sec = "7. TLS + HTTP/2"
        if not self.nghttpx or not shutil.which("openssl"):
            self.row(sec, "nghttpx or openssl not installed (scripts/deps.sh BENCH_PACKAGES)", "skipped")
            return
        log("7. TLS + HTTP/2 through nghttpx (%d requests x %d repeats)" % (a.tls_requests, a.repeat))
        with tempfile.TemporaryDirectory(prefix="llmk-bench-tls-") as d:
            subprocess.check_call(
                "set -e; cd %s; "
                "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key "
                "-out ca.pem -days 1 -subj /CN=llmkit-bench-ca -addext basicConstraints=critical,CA:TRUE "
                "-addext keyUsage=critical,keyCertSign,cRLSign; "
                "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr "
                "-subj /CN=127.0.0.1; "
                "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n'"
                " > ext.cnf; "
                "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 "
                "-extfile ext.cnf" % d, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ENV["BENCH_CA_BUNDLE"] = os.path.join(d, "ca.pem")
            procs = []
            try:
                keep, kport, klog = self.nghttpx_start(d, "keep", [])
                procs.append(keep)
                # one request per connection: every request pays the set-up.
                # HTTP/1.1 there: nghttpx resumes no TLS session of an HTTP/2
                # connection it ended with GOAWAY (curl offers the session;
                # checked with the curl tool), so HTTP/2 would show no reuse
                # whatever the client does. TCP + TLS set-up is the same.
                once, oport, olog = self.nghttpx_start(d, "once", ["--frontend-max-requests=1",
                                                                   "--npn-list=http/1.1"])
                procs.append(once)
                self.tls_measure(sec, "https://127.0.0.1:%d/v1" % kport, klog, "https://127.0.0.1:%d/v1" % oport, olog)
            finally:
                ENV.pop("BENCH_CA_BUNDLE", None)
                ENV.pop("BENCH_NO_TLS_REUSE", None)
                for p in procs:
                    p.terminate()
                    p.wait()

    def tls_measure(self, sec, kurl, klog, ourl, olog):
        a = self.args
        n, k = a.tls_requests, 64
        res = {"raw": [], "llmk": []}
        conns = {"raw": [], "llmk": []}
        alpn = set()
        off = 0
        have = os.path.exists(self.exe("llmk_multi"))
        progs = {"raw": [self.exe("raw_multi"), kurl, str(n), str(k)]}
        if have:
            progs["llmk"] = [self.exe("llmk_multi"), kurl, str(n), str(k)]
        for r in range(a.repeat):
            for name in (list(progs) if r % 2 == 0 else list(progs)[::-1]):
                res[name].append(self.run(progs[name], OTHER_CPU)[0])
                lines, off = self.log_since(klog, off, n)
                if len(lines) != n or any(l[3] != "200" for l in lines):
                    raise SystemExit("bench: the TLS proxy logged %d requests (%d sent)" % (len(lines), n))
                conns[name].append(len({l[0] for l in lines}))
                alpn |= {l[1] for l in lines}
        self.raw["tls_multi"] = {"res": res, "connections": conns, "alpn": sorted(alpn)}
        for name, label in (("raw", "raw curl multi, CURLPIPE_MULTIPLEX"), ("llmk", "llmk_multi")):
            if not res[name]:
                continue
            rps = [x["per_s"] for x in res[name]]
            cpu = [x["cpu_us_per"] for x in res[name]]
            self.row(sec, "64 in flight, %s" % label, "%.0f req/s %s, CPU %.1f µs/req %s, TCP connections per run %s" %
                     (self.med(rps), self.spread(rps, "%.0f"), self.med(cpu), self.spread(cpu, "%.1f"),
                      "/".join(str(c) for c in conns[name])))
        if res["llmk"]:
            self.ratio_row(sec, "64 in flight req/s llmk_multi ÷ raw multi",
                           [l["per_s"] / r["per_s"] for l, r in zip(res["llmk"], res["raw"])], 1, True)
            self.ratio_row(sec, "64 in flight CPU/request llmk_multi ÷ raw multi",
                           [l["cpu_us_per"] / r["cpu_us_per"] for l, r in zip(res["llmk"], res["raw"])])
            one = all(c == 1 for c in conns["llmk"])
            self.row(sec, "TCP connections for 64 in flight, llmk_multi (ALPN %s)" % ",".join(sorted(alpn)),
                     "max %d" % max(conns["llmk"]), "= 1", "meets" if one else "MISSES")
        # connection set-up: every request on a new connection (the proxy
        # serves one request per connection), sequential
        m = max(50, n // 10)
        set_res = {"reuse": [], "noreuse": [], "llmk": []}
        reused = {"reuse": [], "noreuse": [], "llmk": []}
        off = 0
        cmds = {"reuse": ([self.exe("raw_curl"), ourl, str(m), "5"], {}),
                "noreuse": ([self.exe("raw_curl"), ourl, str(m), "5"], {"BENCH_NO_TLS_REUSE": "1"}),
                "llmk": ([self.exe("llmk_chat"), "chat", ourl, str(m), "5"], {})}
        for r in range(a.repeat):
            for name in list(cmds)[r % 3:] + list(cmds)[:r % 3]:
                cmd, extra = cmds[name]
                ENV.update(extra)
                try:
                    set_res[name].append(self.run(cmd, OTHER_CPU)[0])
                finally:
                    for key in extra:
                        ENV.pop(key, None)
                lines, off = self.log_since(olog, off, m + 5)
                reused[name].append(sum(1 for l in lines if l[2] == "r") / float(max(1, len(lines))))
        self.raw["tls_setup"] = {"res": set_res, "reused_fraction": reused}
        labels = {"reuse": "raw libcurl, TLS session reuse", "noreuse": "raw libcurl, no TLS session reuse",
                  "llmk": "llmk_send"}
        for name in cmds:
            p50 = [x["p50_us"] for x in set_res[name]]
            cpu = [x["cpu_us_per"] for x in set_res[name]]
            self.row(sec, "new TLS connection per request (HTTP/1.1), %s" % labels[name],
                     "p50 %.0f µs %s, CPU %.0f µs/req %s, sessions resumed %.0f%%" %
                     (self.med(p50), self.spread(p50, "%.0f"), self.med(cpu), self.spread(cpu, "%.0f"),
                      100 * self.med(reused[name])))
        pair = lambda x, y, key: [p[key] / q[key] for p, q in zip(set_res[x], set_res[y])]
        self.ratio_row(sec, "set-up p50 without ÷ with session reuse (raw)", pair("noreuse", "reuse", "p50_us"))
        self.ratio_row(sec, "set-up CPU without ÷ with session reuse (raw)", pair("noreuse", "reuse", "cpu_us_per"))
        self.ratio_row(sec, "set-up p50 llmk_send ÷ raw with reuse", pair("llmk", "reuse", "p50_us"))

    # ---- 2: Python ------------------------------------------------------------

    def venv(self):
        v = os.path.join(ROOT, ".cache", "bench-venv")
        py = os.path.join(v, "bin", "python")
        # numpy: the openai SDK decodes base64 embeddings with it when it is
        # there (section 6 measures the SDK at its best)
        ok = os.path.exists(py) and subprocess.run([py, "-c", "import openai, litellm, numpy"], env=ENV,
                                                   capture_output=True).returncode == 0
        if not ok:
            log("creating %s (openai, litellm, numpy from PyPI)" % v)
            subprocess.check_call([sys.executable, "-m", "venv", v])
            subprocess.check_call([py, "-m", "pip", "install", "-q", "openai", "litellm", "numpy"], env=ENV)
        return py

    def python(self):
        a = self.args
        try:
            py = self.venv()
        except (subprocess.CalledProcessError, OSError) as e:
            self.row("2. vs Python", "openai / litellm from PyPI", "skipped: could not install (%s)" % e)
            return
        self.py = py
        vers = subprocess.run([py, "-c", "import openai, importlib.metadata as m; print(openai.__version__, "
                               "m.version('litellm'), m.version('httpx'))"], capture_output=True, env=ENV,
                              text=True).stdout.split()
        self.raw["python_versions"] = vers
        log("2. Python SDKs (openai %s, litellm %s)" % tuple(vers[:2]))
        script = os.path.join(BENCH, "py_bench.py")
        res = {"openai_sync": [], "openai_async": [], "litellm": [], "litellm_async": [], "openai_sync_same": [],
               "litellm_same": []}
        for _ in range(a.py_repeat):
            res["openai_sync_same"].append(self.run([py, script, "openai_sync", self.base, str(a.py_requests)],
                                                    SERVER_CPU)[0])
            res["litellm_same"].append(self.run([py, script, "litellm", self.base, str(a.py_requests // 3)],
                                                SERVER_CPU)[0])
            res["openai_sync"].append(self.run([py, script, "openai_sync", self.base, str(a.py_requests)],
                                               OTHER_CPU)[0])
            res["openai_async"].append(self.run([py, script, "openai_async", self.base, str(a.py_requests * 2),
                                                 "64"], OTHER_CPU)[0])
            res["litellm"].append(self.run([py, script, "litellm", self.base, str(a.py_requests // 3)],
                                           OTHER_CPU)[0])
            res["litellm_async"].append(self.run([py, script, "litellm_async", self.base, str(a.py_requests),
                                                  "64"], OTHER_CPU)[0])
        self.raw["python"] = res
        labels = {"openai_sync_same": "openai %s OpenAI (sequential, same core)" % vers[0],
                  "litellm_same": "litellm %s completion (sequential, same core)" % vers[1],
                  "openai_sync": "openai %s OpenAI (sequential)" % vers[0],
                  "openai_async": "openai %s AsyncOpenAI (64 in flight)" % vers[0],
                  "litellm": "litellm %s completion (sequential)" % vers[1],
                  "litellm_async": "litellm %s acompletion (64 in flight)" % vers[1]}
        for key in res:
            rps = [x["per_s"] for x in res[key]]
            cpu = [x["cpu_us_per"] for x in res[key]]
            self.row("2. vs Python", labels[key], "%.0f req/s %s, CPU %.0f µs/req" %
                     (self.med(rps), self.spread(rps, "%.0f"), self.med(cpu)))
        rps = lambda k: self.med([x["per_s"] for x in res[k]])
        cpu = lambda k: self.med([x["cpu_us_per"] for x in res[k]])
        for pin, sync, lite in (("same core", "openai_sync_same", "litellm_same"),
                                ("different cores", "openai_sync", "litellm")):
            llmk = self.seq_llmk[pin]
            self.ratio_row("2. vs Python", "sequential req/s llmk_send ÷ openai sync, %s" % pin,
                           [llmk["per_s"] / rps(sync)], 10, True)
            self.ratio_row("2. vs Python", "sequential req/s llmk_send ÷ litellm, %s" % pin,
                           [llmk["per_s"] / rps(lite)], 30, True)
            self.ratio_row("2. vs Python", "CPU/request openai sync ÷ llmk_send, %s" % pin,
                           [cpu(sync) / llmk["cpu_us_per"]])
            self.ratio_row("2. vs Python", "CPU/request litellm ÷ llmk_send, %s" % pin,
                           [cpu(lite) / llmk["cpu_us_per"]])
        asy = rps("openai_async")
        self.ratio_row("2. vs Python", "64-in-flight req/s %s ÷ AsyncOpenAI" % self.multi_label,
                       [self.multi_rps / asy], 10, True)

    # ---- 4: footprint ---------------------------------------------------------

    def footprint(self):
        log("4. footprint")
        so = [f for f in os.listdir(self.bdir) if re.match(r"libllmkit\.so\.\d+\.\d+\.\d+$", f)]
        if so and not shutil.which("strip"):
            self.row("4. footprint", "libllmkit.so stripped", "skipped (no strip)")
        elif so:
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "lib.so")
                subprocess.check_call(["strip", "--strip-unneeded", "-o", out, os.path.join(self.bdir, so[0])])
                size = os.path.getsize(out)
            self.raw["so_stripped_bytes"] = size
            self.row("4. footprint", "libllmkit.so stripped", "%.1f KB" % (size / 1024.0), "≤ 150 KB",
                     "meets" if size <= 150 * 1024 else "MISSES")
        reps = self.args.startup_repeat
        res = {"llmk": [], "raw": [], "import": []}
        for _ in range(reps):
            res["llmk"].append(self.spawn_timed([self.exe("llmk_chat"), "oneshot", self.base], OTHER_CPU))
            res["raw"].append(self.spawn_timed([self.exe("raw_curl"), self.base, "1", "0"], OTHER_CPU))
            if getattr(self, "py", None):
                res["import"].append(self.spawn_timed([self.py, "-c", "import openai"], OTHER_CPU))
        self.raw["footprint"] = res
        rss = lambda k: self.med([x[1] for x in res[k]])
        wall = lambda k: self.med([x[0] for x in res[k]]) * 1e3
        self.row("4. footprint", "peak RSS one request: llmk / raw", "%d kB / %d kB" % (rss("llmk"), rss("raw")))
        self.ratio_row("4. footprint", "peak RSS llmk ÷ raw", [rss("llmk") / float(rss("raw"))], 1.2)
        self.row("4. footprint", "start → first response: llmk / raw", "%.2f ms %s / %.2f ms" %
                 (wall("llmk"), self.spread([x[0] * 1e3 for x in res["llmk"]]), wall("raw")))
        if res["import"]:
            self.row("4. footprint", "python -c 'import openai'", "%.0f ms %s" %
                     (wall("import"), self.spread([x[0] * 1e3 for x in res["import"]], "%.0f")))
            self.ratio_row("4. footprint", "import openai ÷ llmk start→first response",
                           [wall("import") / wall("llmk")], 50, True)

    # ---- output ---------------------------------------------------------------

    def machine(self):
        model = ""
        try:
            with open("/proc/cpuinfo") as f:
                model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
        except OSError:
            pass
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "commit": commit + ("+dirty" if dirty else ""), "cpu": model, "cpus": len(CPUS),
                "kernel": platform.release(), "load": " ".join("%.2f" % x for x in os.getloadavg())}

    def table(self, m0, m1):
        lines = ["libllmkit bench — %s, commit %s" % (m0["date"], m0["commit"]),
                 "machine: %s, %d CPUs, Linux %s; load average %s at start, %s at end" %
                 (m0["cpu"], m0["cpus"], m0["kernel"], m0["load"], m1["load"]),
                 "settings: %s" % " ".join("%s=%s" % kv for kv in sorted(vars(self.args).items())
                                           if kv[0] not in ("build_dir", "update_docs")),
                 "values: median of the repeats [min–max]; ratios are paired per repeat", "",
                 "| section | measurement | value [spread] | target | |", "|---|---|---|---|---|"]
        for r in self.rows:
            lines.append("| %s | %s | %s | %s | %s |" % r)
        return "\n".join(lines) + "\n"

    def main(self):
        a = self.args
        if not a.smoke:
            self.build()
        m0 = self.machine()
        self.start_server()
        want = lambda sec: not a.only or sec in a.only
        try:
            if want("overhead") or (a.python and want("python")):
                self.overhead()
            if want("multi") or (a.python and want("python")):
                # Throughput comparisons need the multi numbers first.
                self.multi()
            if a.python and want("python"):
                self.python()
            if want("streaming"):
                self.streaming()
            if a.embed and want("embed"):
                if a.python and not getattr(self, "py", None):
                    try:
                        self.py = self.venv()
                    except (subprocess.CalledProcessError, OSError):
                        self.py = None
                self.embeddings()
            if a.tls and want("tls"):
                self.tls()
            if a.callgrind and want("callgrind"):
                self.callgrind()
            if want("footprint"):
                self.footprint()
        finally:
            self.stop_server()
        m1 = self.machine()
        text = self.table(m0, m1)
        print(text)
        if a.smoke:
            return
        os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
        stem = os.path.join(BENCH, "results", "%s-%s" % (datetime.datetime.now(datetime.timezone.utc)
                                                         .strftime("%Y%m%dT%H%M"), m0["commit"]))
        with open(stem + ".md", "w") as f:
            f.write(text)
        with open(stem + ".json", "w") as f:
            json.dump({"machine": m0, "machine_end": m1, "settings": vars(a), "rows": self.rows, "raw": self.raw},
                      f, indent=1)
        log("written: %s.md, %s.json" % (stem, stem))
        if a.update_docs:
            doc = os.path.join(ROOT, "docs", "PERFORMANCE.md")
            with open(doc) as f:
                s = f.read()
            if not a.only:  # the main table is a full run's
                s = re.sub(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)",
                           lambda mm: mm.group(1) + text + mm.group(2), s, flags=re.S)
            rows67 = [r for r in self.rows if r[0].startswith(("6.", "7."))]
            if rows67:  # sections 6 and 7 also have a block of their own
                keep, self.rows = self.rows, rows67
                part = self.table(m0, m1)
                self.rows = keep
                s = re.sub(r"(<!-- bench-embed-tls:begin -->\n).*?(<!-- bench-embed-tls:end -->)",
                           lambda mm: mm.group(1) + part + mm.group(2), s, flags=re.S)
            with open(doc, "w") as f:
                f.write(s)
            log("updated docs/PERFORMANCE.md")


def parse():
    p = argparse.ArgumentParser(description="libllmkit benchmark (docs/PERFORMANCE.md)")
    p.add_argument("--build-dir", help="build directory (default build-bench/, configured as release)")
    p.add_argument("--repeat", type=int, default=7, help="repeats of each C measurement (default 7)")
    p.add_argument("--requests", type=int, default=5000, help="sequential requests per run (default 5000)")
    p.add_argument("--multi-requests", type=int, default=5000, help="requests per 64-in-flight run")
    p.add_argument("--chunks", type=int, default=10000, help="content chunks of the stream (default 10000)")
    p.add_argument("--py-requests", type=int, default=600, help="requests per openai SDK run (litellm: a third)")
    p.add_argument("--py-repeat", type=int, default=3, help="repeats of each Python measurement")
    p.add_argument("--startup-repeat", type=int, default=15, help="repeats of the start-up measurements")
    p.add_argument("--no-python", dest="python", action="store_false", help="skip the PyPI comparisons")
    p.add_argument("--no-embed", dest="embed", action="store_false", help="skip the embedding section")
    p.add_argument("--no-tls", dest="tls", action="store_false", help="skip the TLS + HTTP/2 section")
    p.add_argument("--embed-inputs", type=int, default=2048, help="vectors per embedding answer (default 2048)")
    p.add_argument("--embed-dims", type=lambda v: [int(x) for x in v.split(",")], default=[1536, 3072],
                   help="dimensions, comma-separated (default 1536,3072)")
    p.add_argument("--embed-responses", type=int, default=6, help="llmk base64 answers per run (others fewer)")
    p.add_argument("--embed-repeat", type=int, default=3, help="repeats of each embedding measurement")
    p.add_argument("--only", type=lambda v: v.split(","), default=None,
                   help="sections to run, comma-separated: overhead,multi,python,streaming,embed,tls,callgrind,"
                        "footprint (default: all)")
    p.add_argument("--tls-requests", type=int, default=3000, help="requests per TLS + HTTP/2 run")
    p.add_argument("--no-callgrind", dest="callgrind", action="store_false", help="skip callgrind")
    p.add_argument("--quick", action="store_true", help="fewer requests and repeats (about two minutes)")
    p.add_argument("--smoke", action="store_true",
                   help="CI check: tiny run of every C program in --build-dir, no PyPI, no callgrind, no files")
    p.add_argument("--update-docs", action="store_true", help="put the table into docs/PERFORMANCE.md")
    a = p.parse_args()
    if a.quick or a.smoke:
        a.repeat, a.requests, a.multi_requests, a.chunks = 3, 1000, 1000, 2000
        a.py_requests, a.py_repeat, a.startup_repeat = 200, 1, 5
        a.embed_repeat, a.embed_responses, a.embed_dims, a.tls_requests = 1, 3, [1536], 1000
    if a.smoke:
        if not a.build_dir:
            p.error("--smoke needs --build-dir")
        a.repeat, a.requests, a.multi_requests, a.chunks, a.startup_repeat = 1, 200, 300, 500, 2
        a.embed_inputs, a.embed_dims, a.embed_responses, a.embed_repeat, a.tls_requests = 16, [64], 3, 1, 200
        a.python = a.callgrind = False
    return a


if __name__ == "__main__":
    Bench(parse()).main()
