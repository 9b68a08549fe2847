import Glibc

/// A deliberately unsafe, test-only knob: `IOMT_TEST_ONLY_STORE_SYNCHRONOUS=NORMAL|OFF` opens the store with
/// that SQLite `synchronous` level instead of FULL. It exists so the power-cut harness (scripts/power-cut)
/// can show that it sees loss (its negative control). Never set it on a gateway: acknowledged readings
/// are then lost at a power cut. The daemon logs an error at start while it is set.
public enum TestOnlySynchronousOverride {
    public static let variable = "IOMT_TEST_ONLY_STORE_SYNCHRONOUS"

    /// (pragma value, the number `PRAGMA synchronous` then reports); nil when unset or not a known level.
    public static var requested: (name: String, level: Int64)? {
        guard let raw = getenv(variable) else { return nil }
        switch String(cString: raw).uppercased() {
        case "NORMAL": return ("NORMAL", 1)
        case "OFF": return ("OFF", 0)
        default: return nil
        }
    }
}
