#!/usr/bin/env python3
"""A simulated Contec CMS50D-BT for the ble-lab VM (DEVICES.md §2.2): an SPP *server* on its own adapter, to which the
gateway connects (profile sppRole "gateway-connects"). Both adapters of the VM share one bluetoothd, so the simulator
registers its own org.bluez.Profile1 through ProfileManager1 (Role "server", a fixed RFCOMM channel): bluetoothd listens,
publishes the SDP record and hands every accepted RFCOMM socket to NewConnection; a connection that did not arrive
through --adapter (the device path is not under it) is refused. bluetoothd 5.66 takes one registration per UUID and
iomtd's client role holds the Serial Port UUID, so the simulator registers under its own UUID with an explicit
ServiceRecord: a Serial Port record (service class 0x1101, RFCOMM on --channel), which is what the gateway's
ConnectProfile looks up on the simulator's adapter.

On a connection it answers the v4.6 command family `7D 81 xx 80 80 80 80 80 80`: `A1` starts (and re-arms) a live run
of 60 frames per second, built from the layout in Sources/IoMTDrivers/CMS50/README.md (type 01, byte 1 = 0x80 | the
bit 7 carries of bytes 2-8, pulse byte 5, SpO2 byte 6), never with iomtd's decoder. Session n streams --seconds of
frames with its own values (SESSION_VALUES), then drops the RFCOMM link with shutdown(): bluetoothd keeps a copy of the
socket, so closing ours alone would not end the link. Logs every step ("session 1: streaming SpO2 93 %, pulse 58 /min",
"session 1: disconnected") for check-cms50-dom.py and the lab.
Usage: cms50-spp-sim.py --adapter hci0 [--channel 7] [--sessions 2] [--seconds 5]"""
import argparse, os, socket, sys, threading, time
import dbus, dbus.mainloop.glib, dbus.service
from gi.repository import GLib

LAB_UUID = "6c61622d-636d-5335-3064-2d62742d7370"   # the simulator's own (not the Serial Port UUID iomtd registers)
PROFILE_PATH = "/org/iomtlab/cms50"
# The Serial Port Profile's SDP record (SPP 1.2: ServiceClassIDList 0x1101, ProtocolDescriptorList L2CAP + RFCOMM channel,
# BrowseGroupList public, ProfileDescriptorList 0x1101 v1.2, ServiceName), in bluetoothd's XML form.
RECORD = """<?xml version="1.0" encoding="UTF-8" ?>
<record>
  <attribute id="0x0001"><sequence><uuid value="0x1101" /></sequence></attribute>
  <attribute id="0x0004"><sequence>
    <sequence><uuid value="0x0100" /></sequence>
    <sequence><uuid value="0x0003" /><uint8 value="0x%02x" /></sequence>
  </sequence></attribute>
  <attribute id="0x0005"><sequence><uuid value="0x1002" /></sequence></attribute>
  <attribute id="0x0009"><sequence><sequence><uuid value="0x1101" /><uint16 value="0x0102" /></sequence></sequence></attribute>
  <attribute id="0x0100"><text value="SPP Dev" /></attribute>
</record>"""
# (SpO2 %, pulse /min) per session; 131 /min travels with its bit 7 in byte 1 (carry bit 3).
SESSION_VALUES = [(93, 58), (92, 131), (95, 77)]

def log(message):
    print("cms50-sim [%.1f]: %s" % (time.monotonic(), message), flush=True)

def live_frame(spo2, pulse, signal=5, pleth=40, wave2=20):
    """One live frame: bytes 2-8 travel with bit 7 set, their real bit 7 in byte 1 (bit n for byte n + 2)."""
    restored = [signal, pleth, wave2, pulse, spo2, 0xFF, 0xFF]
    carry = 0
    for index, value in enumerate(restored):
        if value & 0x80:
            carry |= 1 << index
    return bytes([0x01, 0x80 | carry] + [value | 0x80 for value in restored])

class Session(threading.Thread):
    """One RFCOMM connection: commands in, live frames out while a run is armed, then the link dropped."""
    def __init__(self, number, sock, seconds, done):
        super().__init__(daemon=True)
        self.number, self.sock, self.seconds, self.done = number, sock, seconds, done

    def run(self):
        spo2, pulse = SESSION_VALUES[(self.number - 1) % len(SESSION_VALUES)]
        pending, run_until, streamed_since, sent = b"", 0.0, None, 0
        self.sock.settimeout(0.02)
        try:
            while True:
                now = time.monotonic()
                if streamed_since is not None and now - streamed_since >= self.seconds:
                    break
                try:
                    data = self.sock.recv(64)
                    if not data:
                        log("session %d: the gateway closed the link" % self.number)
                        break
                    pending += data
                except socket.timeout:
                    pass
                while len(pending) >= 9:
                    start = pending.find(b"\x7d\x81")
                    if start < 0:
                        pending = pending[-1:]
                        break
                    command, pending = pending[start:start + 9], pending[start + 9:]
                    if len(command) < 9:
                        pending = command + pending
                        break
                    if command[2] == 0xA1:
                        run_until = time.monotonic() + 30.0   # one A1 gives a live run of about 30 s
                        if streamed_since is None:
                            streamed_since = time.monotonic()
                            log("session %d: A1 received, streaming SpO2 %d %%, pulse %d /min" % (self.number, spo2, pulse))
                    else:
                        log("session %d: command %s ignored" % (self.number, command.hex()))
                if time.monotonic() < run_until:
                    due = int((time.monotonic() - streamed_since) * 60) - sent
                    if due > 0:
                        self.sock.sendall(b"".join(live_frame(spo2, pulse, pleth=20 + (sent + i) % 80) for i in range(due)))
                        sent += due
        except OSError as error:
            log("session %d: link error: %s" % (self.number, error))
        log("session %d: sent %d frames" % (self.number, sent))
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError as error:
            log("session %d: shutdown: %s" % (self.number, error))
        self.sock.close()
        log("session %d: disconnected" % self.number)
        self.done(self.number)

class Profile(dbus.service.Object):
    def __init__(self, bus, adapter, sessions, seconds, loop):
        super().__init__(bus, PROFILE_PATH)
        self.adapter, self.sessions, self.seconds, self.loop = adapter, sessions, seconds, loop
        self.count, self.busy = 0, False

    @dbus.service.method("org.bluez.Profile1", in_signature="oha{sv}", out_signature="")
    def NewConnection(self, device, fd, properties):
        descriptor = fd.take()
        if not str(device).startswith("/org/bluez/%s/" % self.adapter):
            os.close(descriptor)
            log("connection from %s refused: not through %s" % (device, self.adapter))
            raise dbus.exceptions.DBusException("not this simulator's adapter", name="org.bluez.Error.Rejected")
        if self.busy or self.count >= self.sessions:
            os.close(descriptor)
            log("connection from %s refused: %s" % (device, "a session is running" if self.busy else "all sessions done"))
            raise dbus.exceptions.DBusException("busy", name="org.bluez.Error.Rejected")
        self.count += 1
        self.busy = True
        sock = socket.socket(fileno=descriptor)
        log("session %d: connected from %s (fd_properties: %s)" % (self.count, device, dict(properties)))
        Session(self.count, sock, self.seconds, lambda n: GLib.idle_add(self.ended, n)).start()

    def ended(self, number):
        self.busy = False
        if number >= self.sessions:
            log("done: %d sessions" % number)
        return False

    @dbus.service.method("org.bluez.Profile1", in_signature="o", out_signature="")
    def RequestDisconnection(self, device):
        log("bluetoothd requested disconnection of %s" % device)

    @dbus.service.method("org.bluez.Profile1", in_signature="", out_signature="")
    def Release(self):
        log("released by bluetoothd")

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--adapter", default="hci0")
    parser.add_argument("--channel", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    profile = Profile(bus, args.adapter, args.sessions, args.seconds, loop)
    manager = dbus.Interface(bus.get_object("org.bluez", "/org/bluez"), "org.bluez.ProfileManager1")
    manager.RegisterProfile(PROFILE_PATH, LAB_UUID, {
        "Name": "CMS50D-BT simulator", "Role": "server", "Channel": dbus.UInt16(args.channel),
        "ServiceRecord": RECORD % args.channel,
        "RequireAuthentication": dbus.Boolean(False), "RequireAuthorization": dbus.Boolean(False),
        "AutoConnect": dbus.Boolean(False)},
        # Explicit: without bluetoothd's introspection data (it timed out once on a loaded host) dbus-python guessed
        # a{ss} from the first entry and refused the UInt16 channel.
        signature="osa{sv}")
    log("serial port profile registered (server, channel %d, adapter %s)" % (args.channel, args.adapter))
    loop.run()

if __name__ == "__main__":
    sys.exit(main())
