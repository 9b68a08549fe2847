import IoMTAlerts
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

    /// Removes and returns the value of `--name VALUE`; an absent one is a usage error (`--rules FILE is required`).
    mutating func requiredOption(_ name: String, value: String) throws(CLIError) -> String {
        guard let text = try option(name) else { throw CLIError(message: "\(name) \(value) is required", exitCode: .usage) }
        return text
    }

    /// Removes `--patient PESEL` (nil when absent) and refuses a malformed PESEL, with the reason only: terminals and shell
    /// histories are logged, so the message never repeats the number.
    mutating func patient() throws(CLIError) -> String? { try pesel("--patient") }

    /// Removes a PESEL-valued option (nil when absent), refused as `patient()` refuses one.
    mutating func pesel(_ name: String) throws(CLIError) -> String? {
        guard let pesel = try option(name) else { return nil }
        do { _ = try PESEL.validate(pesel) } catch { throw CLIError(message: "\(name): \(error)", exitCode: .usage) }
        return pesel
    }

    /// Removes a time option (`--from TIME`): ISO 8601 with an offset, or `now` (`TimeArgument`); nil when absent.
    mutating func instant(_ name: String) throws(CLIError) -> Instant? {
        guard let text = try option(name) else { return nil }
        return try TimeArgument.instant(text, option: name)
    }

    /// Removes a duration option (`--extend 26h`, as a rule file writes durations) in milliseconds; nil when absent.
    mutating func duration(_ name: String) throws(CLIError) -> Int64? {
        guard let text = try option(name) else { return nil }
        guard let milliseconds = RuleFileParser.duration(text) else {
            throw CLIError(message: "\(name): expected a duration such as \"26h\" or \"30m\", found \"\(text)\"", exitCode: .usage)
        }
        return milliseconds
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
