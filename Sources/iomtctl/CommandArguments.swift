import IoMTControl
import IoMTCore

/// Minimal argument reader: positional words and `--flag value` options, with clear usage errors.
struct CommandArguments {
    private var items: [String]

    init(_ items: [String]) { self.items = items }

    mutating func next() -> String? { items.isEmpty ? nil : items.removeFirst() }

    /// Removes and returns the next positional word; a missing one is a usage error naming it (`DEVICE`).
    mutating func required(_ name: String, usage: String) throws(CLIError) -> String {
        guard let word = next() else { throw CLIError(message: "missing \(name)", hint: usage, exitCode: .usage) }
        return word
    }

    func contains(_ flag: String) -> Bool { items.contains(flag) }

    /// Removes and returns the value of `--name VALUE` (nil when absent).
    mutating func option(_ name: String) throws(CLIError) -> String? {
        guard let index = items.firstIndex(of: name) else { return nil }
        guard index + 1 < items.count, !items[index + 1].hasPrefix("--") else {
            throw CLIError(message: "\(name) needs a value", exitCode: .usage)
        }
        let value = items[index + 1]
        items.removeSubrange(index...(index + 1))
        return value
    }

    /// Removes `--patient PESEL` (nil when absent) and refuses a malformed PESEL, with the reason only: terminals and shell
    /// histories are logged, so the message never repeats the number.
    mutating func patient() throws(CLIError) -> String? {
        guard let patient = try option("--patient") else { return nil }
        do { _ = try PESEL.validate(patient) } catch { throw CLIError(message: "--patient: \(error)", exitCode: .usage) }
        return patient
    }

    /// Removes a boolean `--flag`, returning whether it was present.
    mutating func flag(_ name: String) -> Bool {
        guard let index = items.firstIndex(of: name) else { return false }
        items.remove(at: index)
        return true
    }

    /// Fails on anything not consumed, so typos are reported instead of ignored.
    func finish() throws(CLIError) {
        if let extra = items.first {
            throw CLIError(message: "unexpected argument '\(extra)'", hint: "see iomtctl help", exitCode: .usage)
        }
    }
}

struct CLIError: Error {
    let message: String
    var hint: String? = nil
    var exitCode: ExitCode = .failed
}
