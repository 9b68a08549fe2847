#!/usr/bin/env python3
"""A simulated Nonin 9560 Onyx II in data format #13 for the ble-lab VM (DEVICES.md §4.1): like the real device, it
pages the gateway over RFCOMM (BR/EDR) from its own adapter and sends SmartPoint spot-check packets, then drops the
link; it does this once per session. With --pair it first waits to be paired by the gateway (`iomtctl pair ADDRESS`),
as a new oximeter is paired with its master once, through its own BlueZ agent (the default agent, answering only for
its own adapter; NoInputNoOutput, since btvirt's controllers pair by Secure Simple Pairing, where a fixed printed
passkey has no place: see scripts/ble-lab/README.md). The bytes come from scripts/make-nonin-df13-fixtures.py's `packet()` (the
published layout, not iomtd's decoder). Logs every packet ("session 1: packet at 2026-12-04T09:00:00: SpO2 95 %,
pulse 70 /min") for check-nonin-dom.py.
Usage: nonin-spp-sim.py --local AA:.. --remote BB:.. --channel N [--sessions 2] [--pause 3] [--connect-timeout 120] [--attempt-timeout 20]
                        [--pair --adapter hci0 --pair-timeout 120]"""
import argparse, errno, importlib.util, os, socket, subprocess, sys, threading, time

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

def connect(args, session):
    """Pages the gateway until an RFCOMM link is up, as a real 9560 pages its master again: each attempt is bounded
    (a connect that waits on a security procedure that never ends must not hang the device), each failure is logged
    with its errno, the pause grows 1, 2, 4 s up to 5 s, and the whole session gives up after --connect-timeout."""
    deadline = time.monotonic() + args.connect_timeout
    attempt, pause = 0, 1.0
    while True:
        attempt += 1
        sock = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM, socket.BTPROTO_RFCOMM)
        try:
            sock.bind((args.local, 0))
            sock.settimeout(args.attempt_timeout)
            sock.connect((args.remote, args.channel))
            sock.settimeout(None)
            if attempt > 1:
                log("session %d: connected on attempt %d" % (session, attempt))
            return sock
        except OSError as error:
            sock.close()
            why = "timed out after %.0f s" % args.attempt_timeout if isinstance(error, socket.timeout) else \
                "%s: %s" % (errno.errorcode.get(error.errno, error.errno), error.strerror)
            if time.monotonic() + pause > deadline:
                log("session %d: giving up after %d attempts: %s" % (session, attempt, why))
                raise
            log("session %d: connect attempt %d to %s channel %d failed (%s), again in %.0f s"
                % (session, attempt, args.remote, args.channel, why, pause))
            log_link_modes(session)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

class PairingPeer:
    """The device's side of pairing: an org.bluez.Agent1 for the simulator's own adapter that refuses anything asked
    for another adapter (the gateway's side is iomtd's agent). It logs every request: with both sides' capabilities
    Just Works, none is expected."""

    def __init__(self, adapter, pin=None):
        import dbus, dbus.mainloop.glib, dbus.service
        from gi.repository import GLib
        dbus.mainloop.glib.threads_init()
        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
        self.dbus, self.adapter_path, self.pin = dbus, "/org/bluez/" + adapter, pin
        self.bus = dbus.SystemBus()
        peer = self

        class Agent(dbus.service.Object):
            def own(self, device):
                if not str(device).startswith(peer.adapter_path + "/"):
                    log("agent: %s is not on %s: rejected" % (device, peer.adapter_path))
                    raise dbus.exceptions.DBusException("org.bluez.Error.Rejected", "not this device's adapter")

            def secret(self, method, device):
                self.own(device)
                if peer.pin is None:
                    log("agent: %s %s: refused (no PIN given: Just Works expected)" % (method, device))
                    raise dbus.exceptions.DBusException("org.bluez.Error.Rejected", "no PIN or passkey")
                log("agent: %s %s: answered with the printed PIN" % (method, device))
                return peer.pin

            @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="s")
            def RequestPinCode(self, device):
                return self.secret("RequestPinCode", device)

            @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="u")
            def RequestPasskey(self, device):
                return dbus.UInt32(int(self.secret("RequestPasskey", device)))

            @dbus.service.method("org.bluez.Agent1", in_signature="ou", out_signature="")
            def RequestConfirmation(self, device, passkey):
                self.own(device); log("agent: RequestConfirmation %s %06d" % (device, passkey))

            @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="")
            def RequestAuthorization(self, device):
                self.own(device); log("agent: RequestAuthorization %s" % device)

            @dbus.service.method("org.bluez.Agent1", in_signature="os", out_signature="")
            def AuthorizeService(self, device, uuid):
                self.own(device)

            @dbus.service.method("org.bluez.Agent1", in_signature="ouq", out_signature="")
            def DisplayPasskey(self, device, passkey, entered):
                log("agent: DisplayPasskey %s" % device)

            @dbus.service.method("org.bluez.Agent1", in_signature="os", out_signature="")
            def DisplayPinCode(self, device, pincode):
                log("agent: DisplayPinCode %s" % device)

            @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
            def Cancel(self):
                log("agent: Cancel")

            @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
            def Release(self):
                log("agent: Release")

        self.agent = Agent(self.bus, "/org/iomt/nonin_sim/agent")
        threading.Thread(target=GLib.MainLoop().run, daemon=True).start()
        manager = dbus.Interface(self.bus.get_object("org.bluez", "/org/bluez"), "org.bluez.AgentManager1")
        # Object paths typed: without bluetoothd's introspection data (once, on a loaded host) dbus-python sends str as "s".
        manager.RegisterAgent(dbus.ObjectPath("/org/iomt/nonin_sim/agent"), "KeyboardDisplay" if pin else "NoInputNoOutput")
        manager.RequestDefaultAgent(dbus.ObjectPath("/org/iomt/nonin_sim/agent"))
        adapter = dbus.Interface(self.bus.get_object("org.bluez", self.adapter_path), "org.freedesktop.DBus.Properties")
        for name in ("Pairable", "Discoverable"):
            adapter.Set("org.bluez.Adapter1", name, dbus.Boolean(True, variant_level=1))
        log("agent: the default agent, answering for %s; %s discoverable and pairable" % (self.adapter_path, self.adapter_path))

    def wait_paired(self, remote, timeout):
        """Until BlueZ on this adapter holds a bond with the gateway (its device object says Paired)."""
        path = "%s/dev_%s" % (self.adapter_path, remote.upper().replace(":", "_"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                properties = self.dbus.Interface(self.bus.get_object("org.bluez", path), "org.freedesktop.DBus.Properties")
                if properties.Get("org.bluez.Device1", "Paired"):
                    log("paired with %s (bonded)" % remote)
                    return
            except self.dbus.exceptions.DBusException:
                pass   # no device object until the gateway pages us
            time.sleep(0.5)
        raise SystemExit("nonin-sim: not paired by %s within %.0f s" % (remote, timeout))

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
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument("--attempt-timeout", type=float, default=20.0)
    parser.add_argument("--pair", action="store_true", help="wait to be paired by the gateway before the first session")
    parser.add_argument("--pin", help="with --pair: answer PIN/passkey requests with these digits (printed on the device)")
    parser.add_argument("--adapter", default="hci0")
    parser.add_argument("--pair-timeout", type=float, default=120.0)
    args = parser.parse_args()
    if args.pair:
        peer = PairingPeer(args.adapter, args.pin)
        log("waiting for %s to pair" % args.remote)
        peer.wait_paired(args.remote, args.pair_timeout)
    for session in range(1, args.sessions + 1):
        sock = connect(args, session)
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
