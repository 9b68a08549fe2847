import IoMTCore
import IoMTDBus
import IoMTTransport

/// What a `SerialPortConnector` reports, for the device board and the log.
public enum SerialPortConnectorState: Sendable, Hashable {
    /// `ConnectProfile` sent (attempt 1 after a link ended or at start).
    case connecting(attempt: Int)
    /// bluetoothd handed the socket over: the link is the device's runner's now.
    case connected
    /// The attempt failed; the next one in `retryInMilliseconds`.
    case waiting(reason: String, retryInMilliseconds: Int64)
}

/// The SPP client role for one device (profile `"sppRole": "gateway-connects"`): whenever the device has no open link,
/// asks bluetoothd to connect the serial-port profile (`Device1.ConnectProfile(uuid)`, doc/org.bluez.Device.rst).
/// bluetoothd looks the channel up in the device's SDP record, opens RFCOMM (pairing first through the gateway's agent if
/// the device is not bonded) and hands the socket to the client-role `SerialPortProfile`'s `NewConnection` before
/// `ConnectProfile` returns — so the link is checked with `isConnected`, the profile's own record of open streams.
///
/// Failures (device off or out of range: `org.bluez.Error.Failed` with a page timeout; no SPP record; pairing refused; no
/// answer within `connectTimeoutMilliseconds`) are logged one by one, reported, and retried after the jittered backoff
/// (`LinkPolicy`: 1 s doubling to 60 s, ±20 %), waited on the injected clock. An open link is watched every
/// `linkWatchPeriod` on the same clock; one still open at its first watch is established and the backoff starts again,
/// one that ended before is a failure like the others (a device that accepts and drops at once is not reconnected
/// every second). Runs until its task is cancelled.
public final class SerialPortConnector: Sendable {
    public static let backoff = Backoff(initialMilliseconds: 1_000, maximumMilliseconds: 60_000)
    /// One attempt: a page (5.12 s), SDP, pairing and the RFCOMM set-up; bluetoothd answers well within it.
    public static let connectTimeoutMilliseconds: Int64 = 30_000
    public static let linkWatchPeriod: Duration = .seconds(1)

    public let address: String
    private let bus: DBusConnection
    private let device: DBusObjectPath
    private let clock: any SchedulingClock
    private let seed: UInt64
    private let isConnected: @Sendable () -> Bool
    private let report: @Sendable (SerialPortConnectorState) -> Void

    /// `isConnected`: whether the device has an open link (`SerialPortProfile.openStream(for:)`, set when
    /// `NewConnection` takes the socket); `report`: each state change, on the connector's task.
    public init(bus: DBusConnection, device: DBusObjectPath, address: String, clock: any SchedulingClock, seed: UInt64,
                isConnected: @escaping @Sendable () -> Bool, report: @escaping @Sendable (SerialPortConnectorState) -> Void) {
        self.bus = bus; self.device = device; self.address = address; self.clock = clock; self.seed = seed
        self.isConnected = isConnected; self.report = report
    }

    public func run() async {
        var policy = LinkPolicy(backoff: Self.backoff, seed: seed)
        var attempt = 0
        // A link counts as established (the backoff starts again) once it is still open a watch period after it came
        // up: a device that accepts and drops at once is retried with the growing backoff, not every second.
        var linkOnTrial = false
        while !Task.isCancelled {
            var failure: (reason: String, recovery: BlueZRecovery)?
            if isConnected() {
                do { try await clock.sleep(for: Self.linkWatchPeriod) } catch { return }
                if linkOnTrial, isConnected() {
                    policy.linkEstablished()
                    attempt = 0
                    linkOnTrial = false
                }
                continue
            } else if linkOnTrial {
                linkOnTrial = false
                failure = ("the link ended within \(Self.linkWatchPeriod) of connecting", .retryWithBackoff(reason: ""))
            } else {
                attempt += 1
                report(.connecting(attempt: attempt))
                failure = await connect(attempt: attempt)
                if failure == nil {
                    linkOnTrial = true
                    report(.connected)
                    continue
                }
            }
            guard let failure, !Task.isCancelled else { continue }
            let delay: Int64
            switch policy.decide(.call(failure.recovery), deviceBonded: true) {
            case let .reconnect(ms), let .rediscover(ms), let .disconnectAndReconnect(_, ms): delay = ms
            case .reconnectBus: delay = policy.backoff.maximumMilliseconds // the coordinator's session ends and restarts us
            case .awaitAdvertisement, .awaitBond: delay = 0 // only a Bluetooth LE link decides them, never a failed call
            }
            Log.warning("bluetooth \(address): serial port connect attempt \(attempt) failed: \(failure.reason); next in \(delay) ms", "bluetooth")
            report(.waiting(reason: failure.reason, retryInMilliseconds: delay))
            do { try await clock.sleep(for: .milliseconds(delay)) } catch { return }
        }
    }

    /// One `ConnectProfile`: nil when a link is open afterwards, else why not and what BlueZ's error calls for.
    private func connect(attempt: Int) async -> (reason: String, recovery: BlueZRecovery)? {
        do {
            _ = try await bus.call(destination: BlueZ.service, path: device, interface: BlueZ.device, member: "ConnectProfile",
                                   body: [.string(BlueZ.serialPortUUID)], timeoutMilliseconds: Self.connectTimeoutMilliseconds)
            if isConnected() {
                Log.info("bluetooth \(address): serial port connected by the gateway (attempt \(attempt))", "bluetooth")
                return nil
            }
            // Refused by our profile (another adapter, the gateway behind) or closed at once: retried like a failure.
            return ("ConnectProfile returned but no open serial port connection was handed over", .retryWithBackoff(reason: ""))
        } catch {
            let recovery = BlueZRecovery.classify(error)
            switch recovery {
            case .proceed:
                // bluetoothd counts the profile connected while we hold no open socket (ours ended first): drop its
                // side, so the next attempt opens a fresh link.
                _ = try? await bus.call(destination: BlueZ.service, path: device, interface: BlueZ.device, member: "DisconnectProfile",
                                        body: [.string(BlueZ.serialPortUUID)], timeoutMilliseconds: Self.connectTimeoutMilliseconds)
                return ("bluetoothd reports the serial port connected but no link is open here; disconnected it", .retryWithBackoff(reason: ""))
            case .rediscover:
                return ("BlueZ does not know the device (never paired with this adapter): pair it once with `iomtctl pair \(address)`", recovery)
            default:
                return ("ConnectProfile failed: \(recovery)", recovery)
            }
        }
    }
}
