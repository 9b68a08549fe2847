import Glibc
import IoMTCore

/// Whether the gateway's own clock is synchronised to a time source. Readings that arrive while it is not are
/// flagged and never attributed to a patient by time; injectable so tests decide.
public protocol GatewayClockSynchronisation: Sendable {
    func isSynchronised() -> Bool
}

/// The kernel's view (adjtimex(2), read-only: modes 0): STA_UNSYNC set, or the TIME_ERROR return, means no time
/// source (NTP, systemd-timesyncd, chrony) has disciplined the clock — what `timedatectl` reports as "System clock
/// synchronized", without D-Bus. Glibc's Swift module does not carry <sys/timex.h>, so the call is looked up
/// by name and `struct timex` read at its LP64 layout (modes u32, then offset, freq, maxerror, esterror as
/// long, then status int at byte 40); the buffer is larger than the struct (208 bytes on x86-64 and arm64).
public struct KernelClockSynchronisation: GatewayClockSynchronisation {
    static let timeError: Int32 = 5        // TIME_ERROR
    static let statusUnsynchronised: Int32 = 0x0040  // STA_UNSYNC
    static let statusOffset = 40

    public init() {}
    public func isSynchronised() -> Bool {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "adjtimex") else { return false }
        typealias AdjTimeX = @convention(c) (UnsafeMutableRawPointer) -> Int32
        let adjtimex = unsafeBitCast(symbol, to: AdjTimeX.self)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        let result = adjtimex(buffer)
        let status = buffer.load(fromByteOffset: Self.statusOffset, as: Int32.self)
        return result >= 0 && result != Self.timeError && (status & Self.statusUnsynchronised) == 0
    }
}

/// A fixed answer, for tests and the lab (`IOMTD_CLOCK_SYNCHRONISATION`).
public struct FixedClockSynchronisation: GatewayClockSynchronisation {
    public let synchronised: Bool
    public init(synchronised: Bool) { self.synchronised = synchronised }
    public func isSynchronised() -> Bool { synchronised }
}

/// The check the daemon uses: the kernel's, unless `IOMTD_CLOCK_SYNCHRONISATION` says `synchronised` or
/// `unsynchronised` (the lab and the end-to-end tests run on machines whose clock no time source disciplines).
enum GatewayClockSynchronisationChoice {
    static func fromEnvironment() -> any GatewayClockSynchronisation {
        switch getenv("IOMTD_CLOCK_SYNCHRONISATION").map({ String(cString: $0) }) {
        case "synchronised": FixedClockSynchronisation(synchronised: true)
        case "unsynchronised": FixedClockSynchronisation(synchronised: false)
        default: KernelClockSynchronisation()
        }
    }
}

extension Normaliser {
    /// Reads the gateway clock's synchronisation for the readings normalised next: BLE and serial runners call it
    /// before each batch whose times come from the gateway clock, so a reading taken while it is unsynchronised is
    /// flagged `gateway-clock-unsynchronised` and never attributed to a patient by time.
    mutating func checkGatewayClock(_ synchronisation: any GatewayClockSynchronisation) {
        clock.gatewaySynchronised = synchronisation.isSynchronised()
    }
}
