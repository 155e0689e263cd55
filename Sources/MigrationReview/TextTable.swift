import FlowMigration

/// A table for a terminal: the first column left-aligned, the others right-aligned unless
/// listed in `leftAligned`, two spaces between columns, trailing spaces trimmed. Widths are
/// counted in terminal columns: East Asian wide characters and emoji take two. Cells show their
/// control characters escaped (``PrintableText``): names from flow data may hold line breaks or
/// terminal escape sequences, which would split a row or act on the terminal.
package struct TextTable: Sendable {
    package var header: [String]
    package var rows: [[String]]
    /// Columns (besides the first) that are text rather than numbers.
    package var leftAligned: Set<Int>

    package init(header: [String], rows: [[String]] = [], leftAligned: Set<Int> = []) {
        self.header = header
        self.rows = rows
        self.leftAligned = leftAligned
    }

    package var text: String {
        let all = ([header] + rows).map { $0.map(PrintableText.escaped) }
        let lengths = all.map { row in row.map(Self.columns) }
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

    /// The terminal columns `text` takes: two for a character that starts with an East Asian
    /// wide or full-width scalar (Unicode's EastAsianWidth W and F, by block) or that is shown
    /// as an emoji picture, one for any other character (combining marks belong to theirs).
    static func columns(_ text: String) -> Int {
        var columns = 0
        for character in text {
            guard let first = character.unicodeScalars.first else { continue }
            let wide = first.value >= 0x1100 && (Self.wideRanges.contains { $0.contains(first.value) } || first.properties.isEmojiPresentation
                || character.unicodeScalars.contains { $0.value == 0xFE0F })
            columns += wide ? 2 : 1
        }
        return columns
    }

    /// The blocks of wide and full-width characters: Hangul Jamo, CJK radicals to Yi, Hangul
    /// syllables, CJK compatibility ideographs and forms, full-width forms, the CJK ideograph
    /// extensions of the supplementary planes.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
        0xFFE0...0xFFE6, 0x1B000...0x1B2FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
