/// Everything wrong with a configuration file, each problem naming the file, the field and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public let field: String
        public let expected: String
        public let found: String?
        package init(field: String, expected: String, found: String?) { self.field = field; self.expected = expected; self.found = found }
        public var description: String {
            "\(field): expected \(expected)" + (found.map { ", found \($0)" } ?? "")
        }
    }

    public let file: String
    public let problems: [Problem]

    public init(file: String, problems: [Problem]) { self.file = file; self.problems = problems }

    public var description: String {
        problems.map { "\(file): \($0)" }.joined(separator: "\n")
    }
}
