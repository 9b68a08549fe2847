#!/usr/bin/python3
"""The power-cut loop behind run.sh (which sets PC_REPO, PC_BIN, PC_WORK, PC_KIMG, PC_INITRD): boot, let iomtd run a
random time, SIGKILL qemu; repeat; then a drain boot and the verdicts. Options: see run.sh --help."""
import argparse, json, os, random, signal, socket, statistics, subprocess, sys, threading, time

REPO, BIN, W = os.environ['PC_REPO'], os.environ['PC_BIN'], os.environ['PC_WORK']
G = os.path.join(REPO, 'scripts', 'power-cut')
ap = argparse.ArgumentParser(prog='run.sh')
ap.add_argument('--cuts', type=int, default=20)
ap.add_argument('--min', type=float, default=1.0)
ap.add_argument('--max', type=float, default=5.0)
ap.add_argument('--devices', type=int, default=6)
ap.add_argument('--dom', choices=['alternate', 'up', 'down'], default='alternate')
ap.add_argument('--sync', choices=['FULL', 'NORMAL', 'OFF'], default='FULL')
ap.add_argument('--cache', default='none')
ap.add_argument('--seed', type=int, default=None)
ap.add_argument('--drain-timeout', type=float, default=600)
a = ap.parse_args()
if a.cuts < 1 or not (0 < a.min <= a.max) or not (1 <= a.devices <= 64):
    print('run.sh: --cuts ≥ 1, 0 < --min ≤ --max, --devices 1…64', file=sys.stderr); sys.exit(2)
seed = a.seed if a.seed is not None else random.randrange(1 << 30)
rnd = random.Random(seed)
T0 = time.monotonic()
def log(text): print('[power-cut %6.1fs] %s' % (time.monotonic() - T0, text), flush=True)
def run(cmd, **kw): return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)

# Fresh state: image, logs, PKI, receiver data.
logs = os.path.join(W, 'logs'); img = os.path.join(W, 'store.img'); dom_data = os.path.join(W, 'dom.ndjson')
subprocess.run(['rm', '-rf', logs, img, dom_data, os.path.join(W, 'pki')], check=True)
os.makedirs(logs); pki = os.path.join(W, 'pki'); os.makedirs(pki)
def p(name): return os.path.join(pki, name)
newkey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
run(['openssl', 'req', '-x509'] + newkey + ['-keyout', p('ca-key.pem'), '-out', p('ca-cert.pem'), '-days', '2', '-subj', '/CN=power-cut throw-away CA'])
run(['openssl', 'req', '-new'] + newkey + ['-keyout', p('server-key.pem'), '-out', p('server.csr'), '-subj', '/CN=10.0.2.2'])
open(p('server.ext'), 'w').write('subjectAltName=IP:10.0.2.2,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
run(['openssl', 'x509', '-req', '-in', p('server.csr'), '-CA', p('ca-cert.pem'), '-CAkey', p('ca-key.pem'), '-set_serial', str(rnd.randrange(1, 1 << 31)),
     '-days', '2', '-extfile', p('server.ext'), '-out', p('server-cert.pem')])
run(['mkfs.ext4', '-q', '-F', img, '96M'])

s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
devices = [{'profile': 'contec-cms50d-plus', 'path': '/run/pc/cms50-%d' % n, 'serialNumber': 'PC-CMS50-%d' % n} for n in range(1, a.devices + 1)]
json.dump({'comment': 'scripts/power-cut (guest side)', 'stateDirectory': '/data/state',
           'profilesDirectory': os.path.join(REPO, 'DeviceProfiles'),
           'gateway': {'systemId': '0A1B2C3D4E5F6071', 'serialNumber': 'POWER-CUT'},
           'patient': {'pesel': '44051401359'}, 'hotplug': {'enabled': False},
           'control': {'socketPath': '/run/pc/control.sock'}, 'devices': devices,
           'dom': {'baseURL': 'https://10.0.2.2:%d/fhir' % port, 'caBundle': p('ca-cert.pem'), 'batchSize': 50, 'timeoutMs': 5000}},
          open(os.path.join(W, 'iomtd.json'), 'w'), indent=1)

receiver = None
def receiver_up(want):
    global receiver
    if want and receiver is None:
        receiver = subprocess.Popen([os.path.join(BIN, 'iomt-lab'), 'dom-receiver', '--port', str(port), '--data', dom_data,
                                     '--tls-cert', p('server-cert.pem'), '--tls-key', p('server-key.pem')],
                                    stdout=open(os.path.join(logs, 'receiver.log'), 'a'), stderr=subprocess.STDOUT)
        for _ in range(100):
            with socket.socket() as c:
                if c.connect_ex(('127.0.0.1', port)) == 0: return
            time.sleep(0.05)
        log('the DOM receiver did not start: %s' % os.path.join(logs, 'receiver.log')); sys.exit(2)
    if not want and receiver is not None:
        receiver.terminate(); receiver.wait(); receiver = None

def boot(index, mode, cut_after):
    """One boot; returns its figures. Serial console → logs/boot-NNN.log (host time, line)."""
    path = os.path.join(logs, 'boot-%03d.log' % index)
    append = ('console=ttyS0 quiet loglevel=3 panic=-1 GUESTINIT=%s/guest.sh PC_REPO=%s PC_BIN=%s PC_WORK=%s PC_MODE=%s PC_SYNC=%s PC_DEVICES=%d'
              % (G, REPO, BIN, W, mode, a.sync, a.devices))
    cmd = ['qemu-system-x86_64', '-accel', 'tcg,thread=multi', '-cpu', 'max', '-m', os.environ.get('MEM', '512'),
           '-smp', os.environ.get('SMP', '2'), '-no-reboot', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
           '-nodefaults', '-device', 'virtio-rng-pci', '-kernel', os.environ['PC_KIMG'], '-initrd', os.environ['PC_INITRD'],
           '-append', append, '-virtfs', 'local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap',
           '-drive', 'file=%s,format=raw,if=virtio,cache=%s' % (img, a.cache),
           '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,romfile=']
    t0 = time.monotonic()
    q = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    def tell(word):                                      # host → guest: a line on the serial console's input
        q.stdin.write(word.encode() + b'\n'); q.stdin.flush()
    out = open(path, 'wb'); marks = {}; started = threading.Event(); acknowledging = threading.Event()
    def reader():
        for raw in q.stdout:
            out.write(raw); out.flush()                   # raw bytes: a line torn by the cut stays torn
            text = raw.decode('utf-8', 'replace')
            for key in ('GUEST_UP', 'FSCK ', 'STORE_CHECK', 'DAEMON_START', 'DEVICES_STOPPED', 'DAEMON_STOPPED', 'DAEMON_EXITED', 'GUEST_MOUNT_FAIL', 'GUEST_NET_FAILED'):
                if key in text: marks.setdefault(key, (time.monotonic() - t0, text.strip()))
            if 'DAEMON_START' in text: started.set()
            if 'COMMITTED ' in text and not acknowledging.is_set():
                marks['first commit'] = (time.monotonic() - t0, ''); acknowledging.set()
    th = threading.Thread(target=reader, daemon=True); th.start()
    ran = None
    if not started.wait(300):
        q.kill(); q.wait(); th.join(10); out.close()
        return dict(index=index, mode=mode, ok=False, problem='no DAEMON_START within 300 s (%s)' % path, total=time.monotonic() - t0)
    # The cut comes a random time after iomtd acknowledged its first reading in this boot (under TCG its start-up
    # alone can take longer than the longest run); without one within 300 s the boot is a problem.
    first_commit = acknowledging.wait(300)
    if mode == 'cycle':
        time.sleep(cut_after)
        os.kill(q.pid, signal.SIGKILL)                   # the power cut
        ran = cut_after
        q.wait()
    else:
        # Drain: the devices stop (told on the serial console's input); once DOM holds every acknowledged reading,
        # iomtd is stopped cleanly, the store checked again and the guest powers off.
        tell('STOP-DEVICES')
        # Gives up early when DOM has received nothing for 90 s after the devices stopped (what is missing then
        # is lost — the negative control — not late).
        deadline = time.monotonic() + a.drain_timeout; size, changed = -1, time.monotonic()
        while time.monotonic() < deadline:
            if 'DEVICES_STOPPED' in marks and verify(quiet=True) == 0: break
            now_size = os.path.getsize(dom_data) if os.path.exists(dom_data) else 0
            if now_size != size or 'DEVICES_STOPPED' not in marks: size, changed = now_size, time.monotonic()
            elif time.monotonic() - changed > 90: break
            time.sleep(2)
        tell('DRAINED')
        try: q.wait(timeout=300)
        except subprocess.TimeoutExpired: q.kill(); q.wait()
    th.join(10); out.close()
    console = open(path, 'rb').read().decode('utf-8', 'replace')
    committed = console.count('COMMITTED ')
    fsck = marks.get('FSCK ', (0, 'no FSCK line'))[1]
    # the store is checked after every cut, and again after the drain's clean stop: every check must pass
    checks = [l.strip() for l in console.splitlines() if l.startswith('STORE_CHECK')] or ['no STORE_CHECK line']
    store = checks[0]; failed_checks = [c for c in checks if not c.startswith('STORE_CHECK ok')]
    if mode == 'drain' and len(checks) < 2: failed_checks.append('no store check after the drain')
    problems = [t for t in (None if first_commit else 'no reading acknowledged within 300 s of the boot', fsck if 'rc=0' not in fsck else None, '; '.join(failed_checks) or None,
                            marks.get('DAEMON_EXITED', (0, None))[1], marks.get('GUEST_NET_FAILED', (0, None))[1]) if t]
    return dict(index=index, mode=mode, ok=not problems, problem='; '.join(problems), total=time.monotonic() - t0,
                to_daemon=marks['DAEMON_START'][0], to_commit=marks.get('first commit', (-1, ''))[0], ran=ran, committed=committed, fsck=fsck, store=store, path=path)

def verify(quiet=False, extra=()):
    files = sorted(os.path.join(logs, f) for f in os.listdir(logs) if f.startswith('boot-'))
    return subprocess.run(['python3', os.path.join(G, 'verify.py'), '--receiver', dom_data, '--forbid', '44051401359'] + (['--quiet'] if quiet else ['--json', os.path.join(W, 'verify.json')]) + files).returncode

log('seed %d: %d cuts, daemon runs %.1f-%.1f s, %d simulated CMS50, DOM %s (https://10.0.2.2:%d from the guest), store synchronous=%s%s, disk cache=%s, work %s; load %s'
    % (seed, a.cuts, a.min, a.max, a.devices, a.dom, port, a.sync, ' (NEGATIVE CONTROL: loss expected)' if a.sync != 'FULL' else '', a.cache, W,
       open('/proc/loadavg').read().split()[0]))
results = []
for i in range(a.cuts + 1):
    last = i == a.cuts
    receiver_up(True if last else a.dom == 'up' or (a.dom == 'alternate' and i % 2 == 0))
    d = rnd.uniform(a.min, a.max)
    r = boot(i, 'drain' if last else 'cycle', d)
    results.append(r)
    log('[%03d] %s: boot→iomtd %.1fs→first commit %.1fs, %s, total %.1fs, %d acknowledged | %s | %s%s' % (
        i, 'drain' if last else 'cut %.1fs after the first commit (DOM %s)' % (d, 'up' if receiver else 'down'), r.get('to_daemon', -1), r.get('to_commit', -1),
        'ran to the drain' if last else 'ran %.1fs' % d, r['total'], r.get('committed', 0), r.get('fsck', '').split(' t=')[0],
        r.get('store', ''), '' if r['ok'] else ' | PROBLEM: ' + r['problem']))
receiver_up(True)
verdict = verify()
figures = json.load(open(os.path.join(W, 'verify.json')))
stats = subprocess.run(['curl', '-sfk', 'https://127.0.0.1:%d/stats' % port], capture_output=True, text=True).stdout
receiver_up(False)
host_fsck = subprocess.run(['e2fsck', '-fn', img], capture_output=True, text=True)
bad = [r for r in results if not r['ok']]
cyc = [r for r in results[:-1] if 'to_daemon' in r]
summary = ('%d cuts, seed %d, sync=%s, DOM %s: acknowledged %d readings, lost %d, duplicated %d at DOM (resends matched by conditional create: %s); '
           'boots with problems (fsck, store check, no commit) %d, host e2fsck after the last boot rc=%d; cycle median %.1fs (boot→iomtd median %.1fs, min %.1f, max %.1f; boot→first commit median %.1fs), '
           'wall %.0fs, load %s' % (
    a.cuts, seed, a.sync, a.dom, figures['acknowledged'], figures['lost'], figures['duplicated'],
    (json.loads(stats).get('duplicatesSuppressed', '?') if stats else '?'), len(bad), host_fsck.returncode,
    statistics.median(r['total'] for r in cyc) if cyc else -1, statistics.median(r['to_daemon'] for r in cyc) if cyc else -1,
    min((r['to_daemon'] for r in cyc), default=-1), max((r['to_daemon'] for r in cyc), default=-1),
    statistics.median(r['to_commit'] for r in cyc) if cyc else -1,
    time.monotonic() - T0, open('/proc/loadavg').read().split()[0]))
ok = verdict == 0 and not bad and host_fsck.returncode == 0 and figures['acknowledged'] > 0
for name, n in sorted(figures['lostByFile'].items()):
    log('lost %d acknowledged reading(s) witnessed in %s' % (n, name))
summary += '; cuts after which acknowledged readings were lost: %d' % len(figures['lostByFile'])
print('POWER_CUT: %s (%s; logs in %s)' % ('PASS' if ok else 'FAIL', summary, logs), flush=True)
sys.exit(0 if ok else 1)
