import IoMTCore
import IoMTDBus
import IoMTTransport
import Synchronization

/// What the Serial Port Profile reports, in the order bluetoothd caused it.
public enum SerialPortProfileEvent: Sendable {
    /// A device connected; the stream owns its RFCOMM socket (start it to read, stop it to close it).
    case connected(address: String, stream: RFCOMMStream)
    /// bluetoothd asked us to drop the device's connection; its stream has been stopped already.
    case disconnectRequested(address: String)
    /// bluetoothd unregistered the profile (it is shutting down): register again once it is back.
    case released
    /// This many events were refused because too many were unread (connections among them were rejected and their
    /// sockets closed; the devices connect again). Reported in order, before the next event.
    case lost(events: Int)
}

/// Bluetooth Classic SPP through BlueZ's profile API (doc/org.bluez.ProfileManager.rst, doc/org.bluez.Profile.rst):
/// an exported `org.bluez.Profile1` registered for the serial-port UUID in the server role, so a device that pages the
/// gateway (the Nonin 9560 in spot-check mode, DEVICES.md §4.1) gets an RFCOMM channel, and bluetoothd hands the
/// connected socket to `NewConnection` as a file descriptor.
///
/// Descriptors are never leaked: one a call does not take is closed with its message; a taken one belongs to an
/// `RFCOMMStream` at once, which closes it on every path. A device connecting again while its old link is half-open
/// (the old socket has not seen the loss yet) replaces it: the old stream ends with `.unplugged`.
public final class SerialPortProfile: Sendable {
    public static let defaultPath: DBusObjectPath = "/org/iomtd/serial_port"
    /// The client role's object. bluetoothd (5.66) refuses a second registration of a UUID ("UUID already registered"),
    /// so a gateway with devices of both kinds registers one profile in both roles instead (`Role.both`).
    public static let clientPath: DBusObjectPath = "/org/iomtd/serial_port_client"

    /// Which side opens the RFCOMM link (RegisterProfile's `Role`).
    public enum Role: String, Sendable {
        /// bluetoothd listens on an RFCOMM channel and publishes an SDP record; the device pages the gateway.
        case server
        /// No listening, no SDP record: the gateway connects with `Device1.ConnectProfile` (`SerialPortConnector`), and
        /// bluetoothd hands the socket it opened to `NewConnection` just the same.
        case client
        /// Both (RegisterProfile without `Role`: bluetoothd's default enables the server and the client side).
        case both
    }

    /// RegisterProfile's options (doc/org.bluez.ProfileManager.rst).
    public struct Options: Sendable {
        public var name = "iomtd serial port"
        public var role = Role.server
        /// RFCOMM channel to listen on; nil lets bluetoothd choose one (it advertises it in the SDP record).
        public var channel: UInt16?
        /// Only bonded devices may connect (the Nonin pairs with its printed passkey once); in the client role the link
        /// the gateway opens is authenticated (and so encrypted) too, pairing first if the device is not bonded yet.
        public var requireAuthentication = true
        /// No per-connection authorization: nobody stands at the gateway to grant it.
        public var requireAuthorization = false
        public init(role: Role = .server) { self.role = role }

        var dictionary: DBusValue {
            // AutoConnect off in both roles: the client role reconnects on its own schedule (SerialPortConnector), with
            // backoff and every failure on the device board.
            var entries: [String: DBusValue] = ["Name": .string(name), "RequireAuthentication": .boolean(requireAuthentication),
                                                "RequireAuthorization": .boolean(requireAuthorization), "AutoConnect": .boolean(false)]
            if role != .both { entries["Role"] = .string(role.rawValue) }
            if let channel { entries["Channel"] = .uint16(channel) }
            return .stringVariantDictionary(entries)
        }
    }

    public let path: DBusObjectPath
    /// Connections and bluetoothd's requests, bounded like every in-memory stream (docs/stream-bounds.md): past
    /// `eventCapacity` unread events a new connection is refused (its socket closed, bluetoothd told Rejected, logged
    /// and counted), never queued without limit.
    public let events: AsyncStream<SerialPortProfileEvent>
    private let sink: BoundedStreamSink<SerialPortProfileEvent>
    private let eventCapacity: Int
    /// Unread events allowed: one per connection or request, so far more than the devices one gateway reads.
    public static let defaultEventCapacity = 64
    private let clock: any WallClock
    private let admits: @Sendable (String) -> Bool
    private let state = Mutex(State())

    private struct State {
        /// The latest stream of each device (ended ones are pruned at the next connection).
        var streams: [String: RFCOMMStream] = [:]
        var bus: DBusConnection?
        /// bluetoothd's unique name when we registered: only it may hand over connections.
        var bluetoothd: String?
        var ended = false
    }

    /// The adapter devices must connect through (nil: any). RegisterProfile is not per adapter: bluetoothd listens and
    /// publishes the SDP record on every adapter (seen on the lab VM: on hci0 as well as the configured hci1).
    public let adapter: DBusObjectPath?

    /// `admits`: whether a device (by address) may connect; others are refused with org.bluez.Error.Rejected, as are
    /// connections through another adapter than `adapter`.
    public init(path: DBusObjectPath = SerialPortProfile.defaultPath, adapter: DBusObjectPath? = nil, clock: any WallClock = SystemClock(),
                eventCapacity: Int = SerialPortProfile.defaultEventCapacity, admits: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.path = path
        self.adapter = adapter
        self.clock = clock
        self.admits = admits
        self.eventCapacity = max(1, eventCapacity)
        (events, sink) = BoundedStreamSink<SerialPortProfileEvent>.make(name: "serial port profile events", capacity: self.eventCapacity,
                                                                       policy: .refuseNewestAndMark, lossMarker: { .lost(events: $0) })
    }

    /// Exports the profile object and registers it with bluetoothd. The connection must pass descriptors
    /// (`DBusConnection.connect(…, negotiateUnixFDs: true)`), or no connection could ever be handed over.
    public func register(on bus: DBusConnection, options: Options = Options()) async throws {
        guard bus.unixFDsAgreed else {
            throw DBusError.protocolViolation("the Serial Port Profile needs a bus connection that passes file descriptors "
                                              + "(connect with negotiateUnixFDs: true); bluetoothd hands RFCOMM sockets over as descriptors")
        }
        let bluetoothd = try await bus.nameOwner(of: BlueZ.service)
        try bus.export(object)
        state.withLock { $0.bus = bus; $0.bluetoothd = bluetoothd }
        do {
            _ = try await bus.call(destination: BlueZ.service, path: BlueZ.root, interface: BlueZ.profileManager, member: "RegisterProfile",
                                   body: [.objectPath(path), .string(BlueZ.serialPortUUID), options.dictionary])
        } catch {
            try? bus.unexport(path)
            state.withLock { $0.bus = nil }
            throw error
        }
    }

    /// Unregisters from bluetoothd, closes every connection and ends `events`.
    public func unregister() async {
        let (bus, streams) = state.withLock { state in
            defer { state.streams = [:]; state.bus = nil; state.ended = true }
            return (state.bus, Array(state.streams.values))
        }
        if let bus {
            _ = try? await bus.call(destination: BlueZ.service, path: BlueZ.root, interface: BlueZ.profileManager, member: "UnregisterProfile",
                                    body: [.objectPath(path)])
            try? bus.unexport(path)
        }
        for stream in streams { stream.stop() }
        sink.finish()
    }

    /// The device's current connection, if one is open.
    public func openStream(for address: String) -> RFCOMMStream? {
        state.withLock { $0.streams[address.uppercased()] }.flatMap { $0.isOpen ? $0 : nil }
    }

    public var object: DBusObject {
        let device = DBusArgument("device", .objectPath)
        return DBusObject(path: path, interfaces: [DBusInterface(BlueZ.profile, methods: [
            DBusMethod("Release") { [self] call in
                try checkSender(call)
                Log.notice("bluetoothd released the serial port profile", "bluetooth")
                sink.yield(.released)
                return []
            },
            DBusMethod("NewConnection", in: [device, DBusArgument("fd", .unixFD),
                                             DBusArgument("fd_properties", .array(.dictEntry(key: .string, value: .variant)))]) { [self] call in
                try accept(call)
                return []
            },
            DBusMethod("RequestDisconnection", in: [device]) { [self] call in
                try checkSender(call)
                guard let address = call.arguments.first?.objectPathValue.flatMap(BluetoothAddress.address(ofDevicePath:)) else {
                    throw Self.rejected("RequestDisconnection: \(call.arguments.first.map { "\($0)" } ?? "no argument") is not a device path")
                }
                let stream = state.withLock { $0.streams.removeValue(forKey: address) }
                stream?.stop(.unplugged("bluetoothd requested disconnection"))
                Log.info("bluetooth \(address): bluetoothd requested disconnection", "bluetooth")
                sink.yield(.disconnectRequested(address: address))
                return []
            },
        ])])
    }

    /// NewConnection(object device, fd, dict): takes the descriptor into a stream and reports it. A refused call
    /// leaves the descriptor untaken, so the connection closes it before the refusal is sent.
    private func accept(_ call: DBusMethodCall) throws(DBusMethodError) {
        try checkSender(call)
        guard let address = call.arguments[0].objectPathValue.flatMap(BluetoothAddress.address(ofDevicePath:)) else {
            throw Self.rejected("NewConnection: \(call.arguments[0]) is not a BlueZ device path (…/dev_AA_BB_CC_DD_EE_FF)")
        }
        if let adapter, call.arguments[0].objectPathValue != BluetoothAddress.devicePath(adapter: adapter, address: address) {
            Log.warning("bluetooth \(address): serial port connection refused: it came through another adapter than \(adapter.text)", "bluetooth")
            throw Self.rejected("\(address) connected through another adapter than the gateway's \(adapter.text)")
        }
        guard admits(address) else {
            Log.warning("bluetooth \(address): serial port connection refused: not a configured device", "bluetooth")
            throw Self.rejected("\(address) is not a device this gateway reads")
        }
        guard case let .unixFD(index) = call.arguments[1], Int(index) < call.message.fileDescriptors.count,
              let descriptor = call.message.fileDescriptors[Int(index)].take() else {
            throw Self.rejected("NewConnection: the message carries no descriptor for its fd argument")
        }
        let stream = RFCOMMStream(descriptor: descriptor, label: "bluetooth \(address)", clock: clock)
        let (accepted, previous) = state.withLock { state -> (Bool, RFCOMMStream?) in
            guard !state.ended else { return (false, nil) }
            state.streams = state.streams.filter { $0.value.isOpen }
            defer { state.streams[address] = stream }
            return (true, state.streams[address])
        }
        guard accepted else {
            stream.stop()
            throw Self.rejected("the serial port profile is being unregistered")
        }
        if let previous {
            Log.warning("bluetooth \(address): connected again while its previous link was open; the old link is closed", "bluetooth")
            previous.stop(.unplugged("replaced: the device connected again while this link was half-open"))
        }
        Log.info("bluetooth \(address): serial port connected (fd_properties: \(Self.describe(properties: call.arguments.count > 2 ? call.arguments[2] : nil)))",
                 "bluetooth")
        guard sink.yield(.connected(address: address, stream: stream)) else {
            state.withLock { state in if state.streams[address] === stream { state.streams[address] = nil } }
            stream.stop()
            Log.error("bluetooth \(address): serial port connection refused: \(sink.lost > 0 ? "\(eventCapacity) connection events unread (the gateway fell behind)" : "nobody reads the profile's connections any more")", "bluetooth")
            throw Self.rejected("the gateway cannot take this connection now; connect again")
        }
    }

    /// NewConnection's fd_properties for the log (bluetoothd 5.66 on the lab VM sends none for an incoming SPP link; a
    /// remote SDP record's Version/Features appear here when bluetoothd found them).
    static func describe(properties: DBusValue?) -> String {
        let entries = properties?.stringVariantDictionary ?? [:]
        guard !entries.isEmpty else { return "none" }
        return entries.keys.sorted().map { key in
            let value = entries[key]!
            if let number = value.integerValue { return "\(key)=0x\(String(number, radix: 16))" }
            return "\(key)=\(value.stringValue ?? "\(value)")"
        }.joined(separator: " ")
    }

    /// Profile1 calls are bluetoothd's alone: another local process must not inject a "device" (and its readings).
    private func checkSender(_ call: DBusMethodCall) throws(DBusMethodError) {
        let bluetoothd = state.withLock { $0.bluetoothd }
        guard let sender = call.sender, sender == bluetoothd else {
            Log.warning("serial port profile: \(call.message.member ?? "?") from \(call.sender ?? "?") refused: not bluetoothd", "bluetooth")
            throw Self.rejected("only bluetoothd (\(bluetoothd ?? "not registered")) may call org.bluez.Profile1 here")
        }
    }

    private static func rejected(_ why: String) -> DBusMethodError { DBusMethodError(name: BlueZ.ErrorName.rejected, message: why) }
}
