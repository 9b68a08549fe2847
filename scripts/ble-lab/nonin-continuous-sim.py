#!/usr/bin/env python3
"""A simulated Nonin 9560 Onyx II in data format #8 (continuous) for the ble-lab VM. Facts: the Nonin 9560 Bluetooth
Specification 6470-000-01 (DEVICES.md §4.1; Sources/IoMTDrivers/Nonin/README.md, "Data format #8", "Selecting the format"):
- in formats #2/#7/#8 the 9560 does not page its master: the master connects, and "once the Bluetooth connection is made
  the 9560 will automatically send continuous data" — so the simulator is an SPP *server* on its own adapter and waits;
- "during the first five seconds from connection" it answers a command with ACK 06 (supported) or NAK 15 (unsupported);
  select format is `02 70 02 02 ZZ 03`, ZZ one of 0D, 08, 07, 02; the format is kept in NVRAM (here: for the process);
- format #8: one 4-byte frame a second, STATUS (bit 7 sync, SNSD 0x40, OOT 0x20, LPRF 0x10, MPRF 0x08, ARTF 0x04, bits
  1-0 HR bits 8-7), HR bits 6-0, SpO2, STATUS2; missing values SpO2 127, HR 511. Frames are built here from that layout,
  never with iomtd's decoder.
It starts in the factory format #13 (it streams nothing until #8 is selected). Connection 1 streams PLAN[1] (valid
readings, a sensor-off stretch, a low-perfusion stretch, valid again) and then drops the link (shutdown(): bluetoothd
keeps a copy of the socket); connection 2 finds format #8 in NVRAM, streams at once and goes on until the process is
stopped. The SPP record and profile object are the CMS50D-BT simulator's (cms50-spp-sim.py); pairing by the printed PIN is
nonin-spp-sim.py's PairingPeer. Logs every command and stretch for check-nonin-format8-dom.py.
Usage: nonin-continuous-sim.py --adapter hci0 --remote GATEWAY --channel 9 --pin 482915"""
import argparse, datetime, importlib.util, os, socket, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))

def load(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

spot_check_sim = load("nonin_spp_sim", "nonin-spp-sim.py")   # PairingPeer: the device's side of legacy PIN pairing
cms50_sim = load("cms50_spp_sim", "cms50-spp-sim.py")        # RECORD: a Serial Port SDP record on a given channel
import dbus, dbus.service

LAB_UUID = "6c61622d-6e6f-6e69-6e39-3536302d3038"   # the simulator's own ("lab-nonin9560-08"); iomtd holds the SPP UUID
PROFILE_PATH = "/org/iomtlab/nonin9560"
ACK, NAK = 0x06, 0x15
SELECT_FORMAT, FORMATS = 0x70, {0x0D: 13, 0x08: 8, 0x07: 7, 0x02: 2}
COMMAND_WINDOW_S = 5.0
SNSD, OOT, LPRF = 0x40, 0x20, 0x10
MISSING_SPO2, MISSING_HR = 127, 511
# What each connection streams: (name, seconds or None for "until stopped", [(SpO2, pulse, STATUS bits) cycled]).
# The sensor-off stretch sends the missing codes and, every other second, numbers (84 / 140) that no valid stretch
# sends: SNSD voids a frame whatever it carries, so a gateway that ignored the bit would show them. No byte is 0x06
# (the ACK the gateway waits for after its command: HR 134 would carry one).
PLAN = {1: [("valid", 8, [(97, 72, 0)]),
            ("sensor-off", 6, [(MISSING_SPO2, MISSING_HR, SNSD), (84, 140, SNSD)]),
            ("low-perfusion", 5, [(93, 61, LPRF)]),
            ("valid", 4, [(96, 74, 0)])],
        2: [("valid", None, [(95, 68, 0)])]}

def log(message):
    print("nonin-df8-sim [%.1f]: %s" % (time.monotonic(), message), flush=True)

def stamp(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec="milliseconds")

def frame(spo2, pulse, status):
    """STATUS (sync bit, status bits, HR bits 8-7), HR bits 6-0, SpO2, STATUS2 (0: no sensor alarm, battery good)."""
    return bytes([0x80 | status | ((pulse >> 7) & 0x03), pulse & 0x7F, spo2 & 0x7F, 0x00])

def describe(frames):
    return ", ".join("SpO2 %d %%, pulse %d /min, status %02x" % (spo2, pulse, 0x80 | status) for spo2, pulse, status in frames)

class Device:
    """The 9560's state across connections: the data format in NVRAM and how many connections it has served."""
    def __init__(self, initial_format):
        self.format, self.connections, self.busy = initial_format, 0, False

class Connection(threading.Thread):
    """One RFCOMM link: commands answered within the first 5 s, format #8 frames once a second while in format #8."""
    def __init__(self, device, number, sock):
        super().__init__(daemon=True)
        self.device, self.number, self.sock = device, number, sock
        self.opened, self.pending = time.monotonic(), b""

    def answer_commands(self):
        """Reads what the gateway sent; every complete STX … ETX command is logged with its answer."""
        try:
            data = self.sock.recv(64)
        except socket.timeout:
            return True
        if not data:
            log("connection %d: the gateway closed the link" % self.number)
            return False
        self.pending += data
        while self.pending:
            if self.pending[0] != 0x02:
                log("connection %d: byte %02x outside a command ignored" % (self.number, self.pending[0]))
                self.pending = self.pending[1:]
                continue
            if len(self.pending) < 3 or len(self.pending) < 4 + self.pending[2]:
                break
            command, self.pending = self.pending[:4 + self.pending[2]], self.pending[4 + self.pending[2]:]
            self.answer(command)
        return True

    def answer(self, command):
        after = time.monotonic() - self.opened
        text = " ".join("%02x" % b for b in command)
        if after > COMMAND_WINDOW_S:
            log("connection %d: command %s at +%.1f s: ignored (after the first %.0f s)" % (self.number, text, after, COMMAND_WINDOW_S))
            return
        selected = FORMATS.get(command[4]) if len(command) == 6 and command[1:4] == bytes([SELECT_FORMAT, 2, 2]) and command[5] == 0x03 else None
        if selected is None:
            self.sock.sendall(bytes([NAK]))
            log("connection %d: command %s at +%.1f s: NAK (unsupported)" % (self.number, text, after))
            return
        self.sock.sendall(bytes([ACK]))
        self.device.format = selected
        log("connection %d: command %s at +%.1f s: select format #%d: ACK%s" % (
            self.number, text, after, selected, "" if selected == 8 else " (this simulator streams format #8 only)"))

    def run(self):
        plan, stretch, stretch_start, sent_in_stretch, next_frame = PLAN.get(self.number, PLAN[2]), 0, None, 0, None
        self.sock.settimeout(0.05)
        try:
            while self.answer_commands():
                now = time.monotonic()
                if self.device.format != 8:
                    continue
                if next_frame is None:
                    next_frame = now
                    log("connection %d: format #8: streaming one frame a second" % self.number)
                if now < next_frame:
                    continue
                name, seconds, frames = plan[stretch]
                if stretch_start is None:
                    stretch_start = time.time()
                    log("connection %d: stretch %d %s started at %s: %s" % (self.number, stretch + 1, name, stamp(stretch_start), describe(frames)))
                spo2, pulse, status = frames[sent_in_stretch % len(frames)]
                self.sock.sendall(frame(spo2, pulse, status))
                sent_in_stretch += 1
                next_frame += 1.0
                if seconds is not None and sent_in_stretch >= seconds:
                    self.log_stretch(stretch, name, frames, stretch_start, sent_in_stretch)
                    stretch, stretch_start, sent_in_stretch = stretch + 1, None, 0
                    if stretch == len(plan):
                        log("connection %d: dropping the link" % self.number)
                        break
        except OSError as error:
            log("connection %d: link error: %s" % (self.number, error))
        if stretch_start is not None:
            name, _, frames = plan[stretch]
            self.log_stretch(stretch, name, frames, stretch_start, sent_in_stretch)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError as error:
            log("connection %d: shutdown: %s" % (self.number, error))
        self.sock.close()
        self.device.busy = False
        log("connection %d: disconnected" % self.number)

    def log_stretch(self, index, name, frames, start, count):
        """One line per stretch for the checker: its kind, values, STATUS bits and when its frames were sent
        (from the first frame to one second after the last)."""
        log("connection %d: stretch %d %s: %s; %d frames from %s to %s" % (
            self.number, index + 1, name, describe(frames), count, stamp(start), stamp(start + count)))

class Profile(cms50_sim.Profile):
    """The CMS50D-BT simulator's org.bluez.Profile1 (RequestDisconnection and Release, logged as "cms50-sim") with this
    device's NewConnection: one connection at a time, through --adapter only."""
    def __init__(self, bus, adapter, device):
        dbus.service.Object.__init__(self, bus, PROFILE_PATH)
        self.adapter, self.device = adapter, device

    @dbus.service.method("org.bluez.Profile1", in_signature="oha{sv}", out_signature="")
    def NewConnection(self, path, fd, properties):
        descriptor = fd.take()
        if not str(path).startswith("/org/bluez/%s/" % self.adapter) or self.device.busy:
            os.close(descriptor)
            log("connection from %s refused: %s" % (path, "a connection is open" if self.device.busy else "not through " + self.adapter))
            raise dbus.exceptions.DBusException("refused", name="org.bluez.Error.Rejected")
        self.device.connections += 1
        self.device.busy = True
        log("connection %d: connected from %s, format #%d in NVRAM (fd_properties: %s)" % (
            self.device.connections, path, self.device.format, dict(properties)))
        Connection(self.device, self.device.connections, socket.socket(fileno=descriptor)).start()

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--adapter", default="hci0")
    parser.add_argument("--remote", required=True, help="the gateway's address (the bond to wait for)")
    parser.add_argument("--channel", type=int, default=9)
    parser.add_argument("--pin", required=True, help="the 6 digits printed on the battery door")
    parser.add_argument("--initial-format", type=int, default=13, choices=sorted(FORMATS.values()))
    parser.add_argument("--pair-timeout", type=float, default=180.0)
    args = parser.parse_args()
    if len(args.remote.split(":")) != 6:
        parser.error("--remote: expected the gateway's address AA:BB:CC:DD:EE:FF, found %r" % args.remote)
    peer = spot_check_sim.PairingPeer(args.adapter, args.pin)   # also runs the GLib main loop for the profile below
    device = Device(args.initial_format)
    Profile(peer.bus, args.adapter, device)
    manager = dbus.Interface(peer.bus.get_object("org.bluez", "/org/bluez"), "org.bluez.ProfileManager1")
    manager.RegisterProfile(PROFILE_PATH, LAB_UUID, {
        "Name": "Nonin 9560 simulator", "Role": "server", "Channel": dbus.UInt16(args.channel),
        "ServiceRecord": cms50_sim.RECORD % args.channel,
        # The 9560 is a paired slave: its serial port only on the bonded, authenticated link.
        "RequireAuthentication": dbus.Boolean(True), "RequireAuthorization": dbus.Boolean(False),
        "AutoConnect": dbus.Boolean(False)},
        # Explicit: without bluetoothd's introspection data (it timed out once on a loaded host) dbus-python guessed
        # a{ss} from the first entry and refused the UInt16 channel.
        signature="osa{sv}")
    log("serial port profile registered (server, channel %d, adapter %s, format #%d in NVRAM); waiting for %s to pair"
        % (args.channel, args.adapter, device.format, args.remote))
    peer.wait_paired(args.remote, args.pair_timeout)
    while True:
        time.sleep(3600)

if __name__ == "__main__":
    sys.exit(main())
