"""The measurements behind scripts/bench (run that, not this)."""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARS = os.path.join(ROOT, ".build/release/ars")
SANDBOX = os.path.join(ROOT, ".build/release/ars-sandbox")
KEY = "bench-key-0123456789abcdef"
work = tempfile.mkdtemp(prefix="ars-bench-")
env = {"HOME": work, "XDG_STATE_HOME": work + "/state", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "ARS_SANDBOX_API_KEY": KEY}


def once(argv, stdin=None):
    """Wall ms and peak RSS MiB of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, cwd=work)
    if stdin:
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv[:4])}… exited {proc.returncode}")
    return (time.perf_counter() - start) * 1000, usage.ru_maxrss / 1024


def median(argv, runs=RUNS, stdin=None):
    once(argv, stdin)
    samples = [once(argv, stdin) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def row(name, ars, peer=None, peer_name=""):
    ratio = f"{ars[0] / peer[0]:.2f}×" if peer else ""
    peer_text = f"{peer_name} {peer[0]:.1f} ms, {peer[1]:.1f} MiB" if peer else ""
    print(f"{name:44} {ars[0]:9.1f} ms {ars[1]:7.1f} MiB   {peer_text:34} {ratio}")


# A standalone sandbox on loopback, with one task and a catalogue pointing at it.
trace = os.path.join(work, "run.jsonl")
subprocess.run([os.path.join(ROOT, "scripts/make-trace"), "100000", trace], check=True)
server = subprocess.Popen([SANDBOX, "--state", work + "/sandbox", "--port", "0", "--import-run", trace], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env)
announce = json.loads(server.stdout.readline())
url = announce["url"]
git = announce["git"]
with open(os.path.join(work, "lanes.yaml"), "w") as f:
    f.write(f"defaults: {{node: local, lane: bench}}\nauth: {{apiKeyEnv: ARS_SANDBOX_API_KEY}}\nnodes:\n  local:\n    bridge: {{kind: local, kubeconfig: {announce['kubeconfig']}}}\n"
            f"    lanes:\n      bench:\n        restBaseUrl: '{url}'\n        namespace: agentrun-v01\n        ciNamespace: agentrun-ci\n"
            f"        source: {{worktree: '{git['worktree']}', branch: v0.1, remote: '{git['origin']}'}}\n"
            f"        gitops: {{branch: v0.1-gitops}}\n        argoApp: argocd/agentrun-g14-v01\n        pipelineRunPrefix: agentrun-v01-ci-\n"
            f"        manager: {{deployment: agentrun-manager}}\n        gitMirror: {{cacheDir: '{git['mirror']}'}}\n")
ars = [ARS, "--config", os.path.join(work, "lanes.yaml")]
created = subprocess.run(ars + ["create", "task", "--aipod", "Artificer", "--prompt", "bench", "-o", "json"], env=env, capture_output=True, text=True, check=True)
task = json.loads(created.stdout)["id"]
tasks = json.loads(subprocess.run(ars + ["get", "tasks", "--limit", "5", "-o", "json"], env=env, capture_output=True, text=True, check=True).stdout)
run_id = next(t["runId"] for t in tasks["items"] if t.get("aipod") == "imported")
get_url = f"{url}/api/v1/tasks/{task}"

print(f"machine: {os.cpu_count()} cores, {subprocess.run(['uname', '-sr'], capture_output=True, text=True).stdout.strip()}; "
      f"{RUNS} runs each; release build; sandbox on loopback")
print(f"{'figure':44} {'ars':>12} {'':>11}   {'peer':34} ratio")

# One-shot GET.
one = median(ars + ["get", f"task/{task}", "-o", "json"])
curl = median(["curl", "-s", "-H", f"Authorization: Bearer {KEY}", get_url])
row("one-shot get task/ID -o json", one, curl, "curl")

# 1000 commands in one script vs curl -K and node fetch.
script = os.path.join(work, "s1000.ars")
with open(script, "w") as f:
    for _ in range(1000):
        f.write(f'let t = get task/{task}\nassert t.status == "created"\n')
config = os.path.join(work, "curl.cfg")
with open(config, "w") as f:
    f.write(f'header = "Authorization: Bearer {KEY}"\n' + f'url = "{get_url}"\noutput = "/dev/null"\n' * 1000)
many = median(ars + ["run", script], runs=max(3, RUNS // 2))
curl_k = median(["curl", "-s", "-K", config], runs=max(3, RUNS // 2))
row("1000 × let t = get task/ID + assert", many, curl_k, "curl -K")
node = shutil.which("node")
if node:
    fetch = os.path.join(work, "fetch.mjs")
    with open(fetch, "w") as f:
        f.write("const [url, key] = [process.argv[2], process.env.ARS_SANDBOX_API_KEY];\n"
                "for (let i = 0; i < 1000; i++) { const r = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });"
                " const j = await r.json(); if (j.data.status !== 'created') throw new Error('status'); }\n")
    row("  … vs a minimal Node fetch client", many, median([node, fetch, get_url], runs=max(3, RUNS // 2)), "node")
else:
    print("  (node is not installed: the Node fetch figure is skipped)")

# Tab completion over 10 000 cached ids (ars __complete as the shell scripts call it).
state = os.path.join(work, "state/ars")
os.makedirs(state, exist_ok=True)
with open(os.path.join(state, "recent-ids.json"), "w") as f:
    json.dump({"task": [f"task_{i:032x}" for i in range(10000)]}, f)
latencies = sorted(once(ars + ["__complete", "describe", "task/task_0000000000000000000000000000"])[0] for _ in range(max(20, RUNS * 3)))
p50, p99 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
print(f"{'Tab: __complete over 10 000 cached ids':44} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms (whole process)")
timed = subprocess.run(ars + ["__complete", "--timing=1000", "describe", "task/task_0000000000000000000000000000"], env=env,
                       capture_output=True, text=True).stderr.strip()
print(f"{'Tab in-process (as the REPL answers it)':44} {timed.replace('complete: ', '')}")

# Events of a 100 000-event imported run.
for label, extra in [("human", []), ("NDJSON (--follow -o json)", ["--follow", "-o", "json"])]:
    wall, rss = once(ars + ["events", f"run/{run_id}"] + extra)
    print(f"{'events, 100 000 rows, ' + label:44} {100000 / (wall / 1000):9.0f} ev/s {rss:7.1f} MiB peak")

# control-plane status: wall vs its slowest stage (the stages run concurrently), same runs.
walls, slowest = [], []
for _ in range(5):
    began = time.perf_counter()
    status = subprocess.run(ars + ["control-plane", "status", "-o", "json"], env=env, capture_output=True, text=True)
    walls.append((time.perf_counter() - began) * 1000)
    done = [json.loads(l) for l in status.stderr.splitlines() if l.startswith("{") and json.loads(l).get("phase") == "done"]
    slowest.append(max((d.get("elapsedMs", 0) for d in done), default=0))
if slowest and max(slowest) > 0:
    wall, stage = statistics.median(walls), statistics.median(slowest)
    print(f"{'control-plane status vs its slowest stage':44} {wall:9.1f} ms              slowest stage {stage:.0f} ms  {wall / stage:.2f}× (whole process)")
else:
    print("  (control-plane status reported no stage timings: skipped)")

# Idle REPL RSS, and after a 10 000-command soak, under tmux.
if shutil.which("tmux"):
    sock = os.path.join(work, "tmux.sock")
    subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-x", "120", "-y", "40", "env"] + [f"{k}={v}" for k, v in env.items()] + ars, check=True)
    time.sleep(1.5)
    pid = subprocess.run(["tmux", "-S", sock, "list-panes", "-F", "#{pane_pid}"], capture_output=True, text=True).stdout.strip()
    def rss(pid):
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS"): return int(line.split()[1]) / 1024
    idle = rss(pid)
    # 10 000 commands typed in batches of 100 lines per send-keys call.
    for batch in range(100):
        keys = []
        for index in range(100):
            keys += ["context" if index == 0 else f"echo soak {batch * 100 + index}", "Enter"]
        subprocess.run(["tmux", "-S", sock, "send-keys", "-t", "0"] + keys, check=False)
    time.sleep(5)
    print(f"{'idle REPL RSS / after 10 000 commands':44} {idle:9.1f} MiB   {rss(pid):.1f} MiB")
    subprocess.run(["tmux", "-S", sock, "kill-server"], check=False)
else:
    print("  (tmux is missing: the REPL figures are skipped)")

server.terminate()
server.wait()
shutil.rmtree(work, ignore_errors=True)
