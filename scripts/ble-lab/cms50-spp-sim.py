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

It also holds one stored recording (--stored-samples, one sample a second: 96 %/62, a dip to 88 %/75 for 20 samples, then
96 %/62 again) that started two hours before the simulator, on its own clock (the VM's zone), and answers the stored-data
commands of Contec's "Communication Protocol of Pulse Oximeter V7.0" (Sources/IoMTDrivers/CMS50/README.md, "Stored data"),
encoded here from that document, never with iomtd's code: A2 -> 0C free; A3 -> 0A (user, 1 segment); A4 -> 08 (user,
segment, length in bytes = 2 per sample, low byte first); A5 -> 07 (user, segment, high year, low year, month, day) and
12 (user, segment, hour, minute, second, 0); A6 -> 0F packages of three SpO2/pulse pairs, the last padded with 0; A7 -> 0C;
AF nothing; B1/B2 -> 0B (command, 0); AE and anything else -> 0B (command, 05 not supported). The device keeps its
recording, so every session offers it again; the log says which sessions asked for the data ("session 1: A6 ...").
Usage: cms50-spp-sim.py --adapter hci0 [--channel 7] [--sessions 2] [--seconds 5] [--stored-samples 90]"""
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

def package(kind, data):
    """An uplink package of the V7.0 document: type, high byte (bit n = bit 7 of data byte n), data with bit 7 set."""
    high = 0x80
    for index, value in enumerate(data):
        if value & 0x80:
            high |= 1 << index
    return bytes([kind, high] + [value | 0x80 for value in data])

class Recording:
    """The recording memory: one segment of user 0."""
    def __init__(self, count):
        self.start_epoch = int(time.time()) - 7200
        self.start = time.localtime(self.start_epoch)
        self.samples = [(88, 75) if 30 <= i < 50 else (96, 62) for i in range(count)]

    def describe(self):
        return "stored recording: %d samples from %s (UTC %s), every 1 s, SpO2 min %d, pulse max %d" % (
            len(self.samples), time.strftime("%Y-%m-%d %H:%M:%S", self.start), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.start_epoch)),
            min(s for s, _ in self.samples), max(p for _, p in self.samples))

    def answer(self, code, params):
        """The answer bytes to one command, and whether it starts the data."""
        user, segment = params[0], params[1]
        ours = user == 0 and segment == 0
        if code == 0xA2 or code == 0xA7:
            return package(0x0C, [])
        if code == 0xA3:
            return package(0x0A, [user, 1 if user == 0 else 0])
        if code == 0xA4:
            length = 2 * len(self.samples) if ours else 0
            return package(0x08, [user, segment, length & 0xFF, length >> 8 & 0xFF, length >> 16 & 0xFF, length >> 24 & 0xFF])
        if code == 0xA5 and ours:
            t = self.start
            return package(0x07, [user, segment, t.tm_year // 100, t.tm_year % 100, t.tm_mon, t.tm_mday]) + \
                package(0x12, [user, segment, t.tm_hour, t.tm_min, t.tm_sec, 0])
        if code == 0xA6 and ours:
            padded = self.samples + [(0, 0)] * (-len(self.samples) % 3)
            return b"".join(package(0x0F, [v for pair in padded[i:i + 3] for v in pair]) for i in range(0, len(padded), 3))
        if code in (0xA1, 0xAF):
            return b""
        if code in (0xB1, 0xB2):
            return package(0x0B, [code, 0x00])
        return package(0x0B, [code, 0x05])

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
    def __init__(self, number, sock, seconds, recording, done):
        super().__init__(daemon=True)
        self.number, self.sock, self.seconds, self.recording, self.done = number, sock, seconds, recording, done

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
                    # Parameters: bytes 3-8 with bit 7 from the high byte (bit n for byte n + 2).
                    params = [(command[i] & 0x7F) | (0x80 if command[1] >> (i - 2) & 1 else 0) for i in range(3, 9)]
                    if command[2] == 0xA1:
                        run_until = time.monotonic() + 30.0   # one A1 gives a live run of about 30 s
                        if streamed_since is None:
                            streamed_since = time.monotonic()
                            log("session %d: A1 received, streaming SpO2 %d %%, pulse %d /min" % (self.number, spo2, pulse))
                    elif command[2] == 0xA2:
                        run_until = 0.0
                    answer = self.recording.answer(command[2], params)
                    if command[2] not in (0xA1, 0xAF):
                        log("session %d: %s answered with %d bytes" % (self.number, {0xA6: "A6 (stored data)"}.get(command[2], "%02X" % command[2]), len(answer)))
                    if answer:
                        self.sock.sendall(answer)
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
    def __init__(self, bus, adapter, sessions, seconds, recording, loop):
        super().__init__(bus, PROFILE_PATH)
        self.adapter, self.sessions, self.seconds, self.recording, self.loop = adapter, sessions, seconds, recording, loop
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
        Session(self.count, sock, self.seconds, self.recording, lambda n: GLib.idle_add(self.ended, n)).start()

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
    parser.add_argument("--stored-samples", type=int, default=90)
    args = parser.parse_args()
    recording = Recording(args.stored_samples)
    log(recording.describe())
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    profile = Profile(bus, args.adapter, args.sessions, args.seconds, recording, loop)
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
