import IoMTDrivers
import Synchronization

/// One `CaptureTap` per device key, shared by the runner that reads the device (its reader is wrapped in a
/// `CapturingReader` on the tap) and the control plane (`iomtctl capture`). A runner made again for the same device
/// (hotplug, Bluetooth back) gets the same tap, so a capture outlives a reconnect.
public final class DeviceCaptureTaps: Sendable {
    private let taps = Mutex<[String: CaptureTap]>([:])

    public init() {}

    /// The device's tap, made on first use.
    public func tap(for key: String) -> CaptureTap {
        taps.withLock { taps in
            if let tap = taps[key] { return tap }
            let tap = CaptureTap()
            taps[key] = tap
            return tap
        }
    }

    /// The device's tap if a runner made one (nil: the device is not read through a driver here).
    public func existing(_ key: String) -> CaptureTap? { taps.withLock { $0[key] } }

    /// `reader` wrapped on the device's tap: what a runner drives.
    public func capturing(_ reader: any DeviceReader, key: String) -> CapturingReader { CapturingReader(reader, tap: tap(for: key)) }
}
