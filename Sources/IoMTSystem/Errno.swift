import Glibc

/// errno in messages, written one way everywhere: strerror's words and the number, which is what a technician
/// searches for ("No such file or directory (errno 2)").
public enum Errno {
    public static func text(_ code: Int32) -> String {
        guard let words = strerror(code) else { return "errno \(code)" }
        return "\(String(cString: words)) (errno \(code))"
    }

    /// The calling thread's errno, right after the failed call.
    public static var currentText: String { text(errno) }
}
