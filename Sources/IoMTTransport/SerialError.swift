import Glibc
import IoMTSystem

/// Why a serial operation failed. `unplugged` means the device went away (USB pulled, pty master
/// closed): the caller should close the port and reconnect with backoff rather than give up.
public enum SerialError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedBaudRate(Int, path: String)
    case invalidSetting(path: String, field: String, value: Int, expected: String)
    case notFound(path: String)
    case busy(path: String)
    case unplugged(path: String, detail: String)
    case closed(path: String)
    case system(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .unsupportedBaudRate(let rate, let path):
            let allowed = BaudRate.supported.map(String.init).joined(separator: ", ")
            return "\(path): baud rate \(rate) is not supported; use one of \(allowed) (fix the profile's serial.baudRate)"
        case .invalidSetting(let path, let field, let value, let expected):
            return "\(path): serial \(field) \(value) is invalid; expected \(expected)"
        case .notFound(let path):
            return "\(path): no such device (not plugged in yet?); will retry"
        case .busy(let path):
            return "\(path): already opened exclusively by another process; stop the other reader (e.g. `fuser \(path)`)"
        case .unplugged(let path, let detail):
            return "\(path): device went away (\(detail)); will reconnect"
        case .closed(let path):
            return "\(path): port already closed"
        case .system(let path, let operation, let code):
            return "\(path): \(operation) failed: \(Errno.text(code))"
        }
    }

    /// Classifies an errno from open/read/write/ioctl on `path`.
    static func from(errno code: Int32, path: String, operation: String) -> SerialError {
        switch code {
        case EIO, ENXIO, ENODEV: return .unplugged(path: path, detail: "\(operation): \(Errno.text(code))")
        case ENOENT: return .notFound(path: path)
        case EBUSY, EWOULDBLOCK: return .busy(path: path)
        default: return .system(path: path, operation: operation, errno: code)
        }
    }

    /// Whether reconnecting later may succeed. Only configuration mistakes are final: a missing
    /// node, a busy port or even EACCES (udev applies permissions a moment after the node appears)
    /// can clear up on their own.
    public var isTransient: Bool {
        switch self {
        case .unsupportedBaudRate, .invalidSetting: return false
        case .system(_, _, let code): return code != ENOTTY
        case .notFound, .busy, .unplugged, .closed: return true
        }
    }
}


