#!/usr/bin/env python3
"""A simulated Nonin 9560 Onyx II in data format #13 for the ble-lab VM (DEVICES.md §4.1): like the real device, it
pages the gateway over RFCOMM (BR/EDR) from its own adapter and sends SmartPoint spot-check packets, then drops the
link; it does this once per session. The bytes come from scripts/make-nonin-df13-fixtures.py's `packet()` (the
published layout, not iomtd's decoder). Logs every packet ("session 1: packet at 2026-12-04T09:00:00: SpO2 95 %,
pulse 70 /min") for check-nonin-dom.py.
Usage: nonin-spp-sim.py --local AA:.. --remote BB:.. --channel N [--sessions 2] [--pause 3] [--connect-timeout 60]"""
import argparse, importlib.util, os, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("df13", os.path.join(HERE, "..", "make-nonin-df13-fixtures.py"))
df13 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(df13)

def log(message):
    print("nonin-sim [%.1f]: %s" % (time.monotonic(), message), flush=True)

def readings(session):
    """Two spot-checks per session, a stored one (MEM) first, each with its own device time and values."""
    base = (session - 1) * 10
    return [((2026, 12, 4, 9, base, 0, 0), 94 + session, 70 + session, True),
            ((2026, 12, 4, 9, base + 5, 0, 0), 96 + session, 72 + session, False)]

def connect(args):
    deadline = time.monotonic() + args.connect_timeout
    while True:
        sock = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM, socket.BTPROTO_RFCOMM)
        try:
            sock.bind((args.local, 0))
            sock.connect((args.remote, args.channel))
            return sock
        except OSError as error:
            sock.close()
            if time.monotonic() > deadline:
                raise
            log("connect to %s channel %d failed (%s), again in 1 s" % (args.remote, args.channel, error))
            time.sleep(1)

def log_link_modes(session):
    """The ACL links' modes as the kernel reports them (AUTH, ENCRYPT: whether the gateway's RequireAuthentication
    made the link authenticate), for the lab's report."""
    try:
        output = subprocess.run(["hcitool", "con"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError) as error:
        output = "hcitool con failed: %s" % error
    for line in output.splitlines():
        if "ACL" in line or "failed" in line:
            log("session %d: link %s" % (session, " ".join(line.split())))

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local", required=True)
    parser.add_argument("--remote", required=True)
    parser.add_argument("--channel", type=int, required=True)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    args = parser.parse_args()
    for session in range(1, args.sessions + 1):
        sock = connect(args)
        log("session %d: connected %s -> %s channel %d" % (session, args.local, args.remote, args.channel))
        log_link_modes(session)
        for stamp, spo2, pulse, stored in readings(session):
            sock.sendall(df13.packet(time=stamp, spo2=spo2, hr=pulse, mem=stored))
            log("session %d: packet at %s: SpO2 %d %%, pulse %d /min%s" % (session, df13.iso(stamp)[:19], spo2, pulse,
                                                                         " (stored)" if stored else ""))
            time.sleep(0.5)
        sock.close()   # at once, like a device that drops the link after its last packet: nothing sent may be lost
        log("session %d: disconnected" % session)
        time.sleep(args.pause)
    log("done: %d sessions" % args.sessions)

if __name__ == "__main__":
    sys.exit(main())
