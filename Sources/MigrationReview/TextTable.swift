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
        let lengths = all.map { row in row.map(\.count) }
        let widths = header.indices.map { column in lengths.map { $0[column] }.max() ?? 0 }
        var output = ""
        for (number, row) in all.enumerated() {
            if number > 0 { output += "\n" }
            var line = ""
            for (column, cell) in row.enumerated() {
                if column > 0 { line += "  " }
                let padding = String(repeating: " ", count: widths[column] - lengths[number][column])
                if column == 0 || leftAligned.contains(column) {
                    line += cell
                    line += padding
                } else {
                    line += padding
                    line += cell
                }
            }
            // Trailing spaces trimmed as bytes (a space always ends a character).
            let bytes = line.utf8
            var end = bytes.endIndex
            while end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: " ") { end = bytes.index(before: end) }
            output += line[..<end]
        }
        return output
    }
}
