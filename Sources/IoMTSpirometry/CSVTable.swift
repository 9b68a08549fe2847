/// A small reader for the embedded GLI tables (semicolon-separated): header names → columns; a cell that is empty
/// or not a number reads as nil, never a crash.
struct TextTable: Sendable {
    let name: String
    let header: [String]
    let rows: [[String]]

    init(text: String, name: String) throws(ReferenceValueError) {
        self.name = name
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { throw .tableDamaged("\(name) is empty") }
        header = lines.removeFirst().split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        var rows: [[String]] = []
        for (index, line) in lines.enumerated() {
            let cells = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count else {
                throw .tableDamaged("\(name) row \(index + 2) has \(cells.count) cells, the header \(header.count)")
            }
            rows.append(cells)
        }
        self.rows = rows
    }

    func column(_ column: String) throws(ReferenceValueError) -> Int {
        guard let index = header.firstIndex(of: column) else { throw .tableDamaged("\(name) has no column \(column)") }
        return index
    }

    /// The numbers of one column, nil where empty.
    func numbers(_ column: String) throws(ReferenceValueError) -> [Double?] {
        let index = try self.column(column)
        return rows.map { Double($0[index]) }
    }
}
