/// A table for a terminal: the first column left-aligned, the others right-aligned unless
/// listed in `leftAligned`, two spaces between columns, trailing spaces trimmed.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]]
    /// Columns (besides the first) that are text rather than numbers.
    public var leftAligned: Set<Int>

    public init(header: [String], rows: [[String]] = [], leftAligned: Set<Int> = []) {
        self.header = header
        self.rows = rows
        self.leftAligned = leftAligned
    }

    public var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let line = row.enumerated().map { column, cell in
                column == 0 || leftAligned.contains(column)
                    ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }.joined(separator: "\n")
    }
}
