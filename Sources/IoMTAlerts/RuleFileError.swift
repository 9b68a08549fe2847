/// Everything wrong with a rule file, each problem naming the file, the rule and the field.
public struct RuleFileError: Error, CustomStringConvertible, Sendable {
    public struct Problem: Sendable, Hashable {
        /// The rule's id (or its position, `rules[3]`, when it has none); nil for file-level fields.
        public var rule: String?
        /// JSON path of the field, e.g. `patients.P-0001.rules[0].below`.
        public var field: String
        public var expected: String
        public var found: String
    }

    public let file: String
    public let problems: [Problem]

    public var description: String {
        problems.map { problem in
            "\(file): " + (problem.rule.map { "rule \"\($0)\": " } ?? "") + "\(problem.field): expected \(problem.expected), found \(problem.found)"
        }.joined(separator: "\n")
    }
}
