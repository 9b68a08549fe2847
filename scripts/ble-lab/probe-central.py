#!/usr/bin/python3
"""Minimal BlueZ central for the ble-lab (CENTRAL=probe): proves the simulator works against the real
BlueZ stack before iomtd's own central exists. For each target it discovers the peripheral, connects,
reads the feature and Current Time characteristics, sets the clock when it is unset (year <= 2000),
subscribes to the measurement characteristics, counts values per connection, and reconnects and
re-subscribes when the peripheral drops the link. Exit 0 when every target delivered --min-before values
on its first connection and --min-after values after a reconnect, and had its clock set; 1 otherwise.

usage: probe-central.py --adapter hci1 --target ADDRESS,SERVICE,CHR[+CHR...][,READ] ... [--min-before N]
                        [--min-after N] [--timeout S] [--pair]
  e.g. --target 00:AA:01:00:00:23,1810,2A35+2A36,2A49
Runs with the host's /usr/bin/python3 (python3-dbus, python3-gi from apt).
"""
import argparse, datetime, sys, time
import dbus, dbus.mainloop.glib, dbus.service
from gi.repository import GLib

BLUEZ, PROP, OM = 'org.bluez', 'org.freedesktop.DBus.Properties', 'org.freedesktop.DBus.ObjectManager'
DEV, CHR = 'org.bluez.Device1', 'org.bluez.GattCharacteristic1'
CTS = '00002a2b-0000-1000-8000-00805f9b34fb'
T0 = time.time()

def full(short): return '0000%s-0000-1000-8000-00805f9b34fb' % short.lower()
def log(msg): print('probe [%6.2fs]: %s' % (time.time() - T0, msg), flush=True)

class Agent(dbus.service.Object):
    @dbus.service.method('org.bluez.Agent1')
    def Release(self): pass
    @dbus.service.method('org.bluez.Agent1', in_signature='ou')
    def RequestConfirmation(self, dev, passkey): pass
    @dbus.service.method('org.bluez.Agent1', in_signature='o')
    def RequestAuthorization(self, dev): pass
    @dbus.service.method('org.bluez.Agent1', in_signature='os')
    def AuthorizeService(self, dev, uuid): pass
    @dbus.service.method('org.bluez.Agent1')
    def Cancel(self): pass

class Target:
    def __init__(self, spec, adapter_path):
        parts = spec.split(',')
        self.address = parts[0].upper()
        self.service = full(parts[1])
        self.notify = [full(c) for c in parts[2].split('+')]
        self.reads = [full(c) for c in parts[3].split('+')] if len(parts) > 3 and parts[3] else []
        self.path = '%s/dev_%s' % (adapter_path, self.address.replace(':', '_'))
        self.connection = 0          # 1 = first connection, 2 = after the first reconnect, …
        self.values = {}             # connection number → values received
        self.clock_set = False
        self.resolved_for = 0
        self.chr_paths = {}
        self.connecting = False
    def summary(self):
        return '%s conn=%d values=%s clock_set=%s' % (self.address, self.connection, self.values, self.clock_set)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--adapter', default='hci1')
    ap.add_argument('--target', action='append', required=True)
    ap.add_argument('--min-before', type=int, default=3)
    ap.add_argument('--min-after', type=int, default=3)
    ap.add_argument('--timeout', type=int, default=120)
    ap.add_argument('--pair', action='store_true')
    args = ap.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    adapter_path = '/org/bluez/' + args.adapter
    Agent(bus, '/probe/agent')
    agents = dbus.Interface(bus.get_object(BLUEZ, '/org/bluez'), 'org.bluez.AgentManager1')
    agents.RegisterAgent('/probe/agent', 'NoInputNoOutput')
    ad_obj = bus.get_object(BLUEZ, adapter_path)
    dbus.Interface(ad_obj, PROP).Set('org.bluez.Adapter1', 'Powered', dbus.Boolean(True))
    adapter = dbus.Interface(ad_obj, 'org.bluez.Adapter1')
    om = dbus.Interface(bus.get_object(BLUEZ, '/'), OM)
    targets = [Target(t, adapter_path) for t in args.target]
    by_path = {t.path: t for t in targets}
    state = {'discovering': False, 'result': None}

    def done():
        return all(t.clock_set and t.values.get(1, 0) >= args.min_before and
                   any(n >= 2 and v >= args.min_after for n, v in t.values.items()) for t in targets)
    def finish(ok, why):
        if state['result'] is None:
            state['result'] = ok
            log(('PASS: ' if ok else 'FAIL: ') + why)
            for t in targets: log('  ' + t.summary())
            loop.quit()
        return False

    def known(path):
        try: return DEV in om.GetManagedObjects().get(dbus.ObjectPath(path), {})
        except dbus.DBusException: return False
    def ensure_discovery():
        if all(known(t.path) for t in targets):
            if state['discovering']:
                adapter.StopDiscovery(reply_handler=lambda: None, error_handler=lambda e: None); state['discovering'] = False
            next_connect(); return False
        if not state['discovering']:
            adapter.SetDiscoveryFilter({'Transport': 'le'})
            adapter.StartDiscovery(); state['discovering'] = True; log('discovery started')
        return True
    def next_connect():
        # One Connect at a time: BlueZ refuses a second LE connection attempt while one is pending.
        if any(t.connecting for t in targets): return
        for t in targets:
            props = dbus.Interface(bus.get_object(BLUEZ, t.path), PROP).GetAll(DEV) if known(t.path) else {}
            if props and not bool(props.get('Connected', False)):
                t.connecting = True
                log('connecting %s' % t.address)
                def ok(t=t):
                    t.connecting = False; log('Connect() %s ok' % t.address)
                    props = dbus.Interface(bus.get_object(BLUEZ, t.path), PROP).GetAll(DEV)
                    if bool(props.get('Connected')) and t.connection == 0:
                        # Connected changed before we saw it (or the signal was lost): count it now.
                        on_props(DEV, {'Connected': True, 'ServicesResolved': props.get('ServicesResolved', False)}, [], t.path)
                    next_connect()
                def err(e, t=t):
                    t.connecting = False; log('Connect() %s failed: %s; retrying' % (t.address, e.get_dbus_name()))
                    GLib.timeout_add(1000, lambda: next_connect() and False)
                dbus.Interface(bus.get_object(BLUEZ, t.path), DEV).Connect(reply_handler=ok, error_handler=err, timeout=30)
                return

    def resolved(t):
        if t.resolved_for == t.connection: return False
        t.resolved_for = t.connection
        t.chr_paths = {}
        for p, ifs in om.GetManagedObjects().items():
            c = ifs.get(CHR)
            if c and str(p).startswith(t.path + '/'): t.chr_paths[str(c['UUID']).lower()] = str(p)
        chr_ = lambda u: dbus.Interface(bus.get_object(BLUEZ, t.chr_paths[u]), CHR)
        log('%s services resolved: characteristics %s' % (t.address, ' '.join(sorted(u[4:8] for u in t.chr_paths))))
        missing = [u[4:8] for u in t.reads + t.notify + [CTS] if u not in t.chr_paths]
        if missing:
            log('%s FAIL: characteristics missing: %s' % (t.address, ' '.join(missing)))
            return False
        try:
            for u in t.reads:
                log('%s read %s = %s' % (t.address, u[4:8], bytes(chr_(u).ReadValue({})).hex()))
            clock = bytes(chr_(CTS).ReadValue({}))
            year = clock[0] | clock[1] << 8
            log('%s Current Time read: %s (year %d)' % (t.address, clock.hex(), year))
            if year <= 2000:
                now = datetime.datetime.now()
                value = now.year.to_bytes(2, 'little') + bytes([now.month, now.day, now.hour, now.minute, now.second,
                                                                now.isoweekday(), 0, 1])
                chr_(CTS).WriteValue(dbus.Array(value, signature='y'), {'type': 'request'})
                log('%s Current Time written: %s' % (t.address, value.hex()))
                t.clock_set = True
            elif t.clock_set or year > 2000:
                t.clock_set = True
            for u in t.notify:
                chr_(u).StartNotify()
            log('%s connection #%d: subscribed to %s' % (t.address, t.connection, ', '.join(u[4:8] for u in t.notify)))
            if args.pair and t.connection == 1:
                dbus.Interface(bus.get_object(BLUEZ, t.path), DEV).Pair(
                    reply_handler=lambda: log('%s paired' % t.address),
                    error_handler=lambda e: log('%s Pair failed: %s' % (t.address, e)), timeout=30)
        except dbus.DBusException as e:
            log('%s GATT error: %s' % (t.address, e))
        next_connect()
        return False

    def on_props(iface, changed, invalidated, path=None):
        path = str(path)
        if iface == DEV and path in by_path:
            t = by_path[path]
            if 'Connected' in changed:
                if bool(changed['Connected']):
                    t.connection += 1; t.values.setdefault(t.connection, 0)
                    log('%s connected (connection #%d)' % (t.address, t.connection))
                else:
                    log('%s disconnected after %d values on connection #%d' % (t.address, t.values.get(t.connection, 0), t.connection))
                    GLib.timeout_add(500, lambda: next_connect() and False)
            if changed.get('ServicesResolved'):
                GLib.idle_add(resolved, t)
        elif iface == CHR and 'Value' in changed:
            for t in targets:
                if path.startswith(t.path + '/') and path in [t.chr_paths.get(u) for u in t.notify]:
                    t.values[t.connection] = t.values.get(t.connection, 0) + 1
                    n = t.values[t.connection]
                    if n <= 2 or n % 10 == 0:
                        uuid = next(u for u, p in t.chr_paths.items() if p == path)
                        log('%s value %s #%d on connection #%d: %s' % (t.address, uuid[4:8], n, t.connection, bytes(changed['Value']).hex()))
                    if done(): finish(True, 'values before and after the reconnect, clocks set')
    def on_added(path, ifs):
        if DEV in ifs and str(path) in by_path:
            log('found %s (%s, RSSI %s)' % (ifs[DEV].get('Address'), ifs[DEV].get('Name'), ifs[DEV].get('RSSI')))
            GLib.idle_add(lambda: ensure_discovery() and False)

    bus.add_signal_receiver(on_props, 'PropertiesChanged', PROP, BLUEZ, path_keyword='path')
    bus.add_signal_receiver(on_added, 'InterfacesAdded', OM, BLUEZ)
    GLib.timeout_add_seconds(args.timeout, lambda: finish(False, 'timeout after %d s' % args.timeout))
    GLib.idle_add(lambda: ensure_discovery() and False)
    loop.run()
    sys.exit(0 if state['result'] else 1)

if __name__ == '__main__':
    main()
