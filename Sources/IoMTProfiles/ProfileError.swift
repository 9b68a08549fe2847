/// Why one or more profile files could not be loaded. Every issue names the file, the field (a JSON
/// path such as `serial.parity`), what was expected and what was found, so a technician can fix the
/// file without reading our code. All issues of a file are collected, not just the first.
public struct ProfileError: Error, CustomStringConvertible, Equatable {
    /// Made by the loader and validator only (the memberwise init).
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        /// Path of the profile file as given to the loader.
        public let file: String
        /// JSON path of the offending field (`serial.parity`, `match.usb[0].vendorId`), or a text position for syntax errors.
        public let field: String
        public let expected: String
        public let found: String

        public var description: String { "\(file): \(field): expected \(expected), found \(found)" }
    }

    public let issues: [Issue]

    public init(issues: [Issue]) { self.issues = issues }

    public init(file: String, field: String, expected: String, found: String) {
        self.init(issues: [Issue(file: file, field: field, expected: expected, found: found)])
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n") + "\n(the profile format is described in docs/profile-format.md)"
    }
}
