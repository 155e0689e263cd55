import Foundation

/// Reads a file (or standard input for `-`) line by line in large chunks, so streams of any
/// size pass through in constant memory — bounded by the longest line allowed.
final class LineReader {
    private let handle: FileHandle
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    /// Where the search for the next newline goes on: the bytes before it (from `position`) hold
    /// none, so a long line is scanned once, not again after every chunk.
    private var searched = 0
    private var atEnd = false
    /// Whether the last line returned ended with a newline (false only for a last line without one).
    private(set) var lastLineEndedWithNewline = true

    /// The longest line read by default: RabbitMQ's default largest message (128 MiB), far above
    /// any dispatcher message; what is longer is not a stream of them (a binary file, a device),
    /// and would otherwise be held in memory whole.
    static let defaultMaxLineBytes = 128 << 20

    /// A line longer than the reader allows.
    struct LineTooLong: Error, CustomStringConvertible {
        var limit: Int
        var description: String {
            "the line is longer than \(limit >> 20) MiB: not a stream of dispatcher messages (a binary file, a device?)"
        }
    }

    /// - Throws: ``InputFile/Failure`` when the file cannot be opened.
    init(path: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws(InputFile.Failure) {
        if ClosedStandardStreams.isClosedInput(path) { throw InputFile.Failure(reason: ClosedStandardStreams.inputReason, isWrongPath: true) }
        handle = path == "-" ? .standardInput : FileHandle(fileDescriptor: try InputFile.open(path), closeOnDealloc: true)
        self.maxLineBytes = maxLineBytes
    }

    /// The next line without its newline, or `nil` at the end. A last line without a newline
    /// is still a line. Linear in the line's length, however long.
    /// - Throws: ``LineTooLong`` for a line longer than the reader allows (read no further), or
    ///   the error of reading.
    func nextLine() throws -> [UInt8]? {
        while true {
            if let newline = buffer[max(position, searched)...].firstIndex(of: UInt8(ascii: "\n")) {
                guard newline - position <= maxLineBytes else { throw LineTooLong(limit: maxLineBytes) }
                let line = Array(buffer[position..<newline])
                position = newline + 1
                searched = position
                return line
            }
            searched = buffer.count
            guard buffer.count - position <= maxLineBytes else { throw LineTooLong(limit: maxLineBytes) }
            if atEnd {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                lastLineEndedWithNewline = false
                return line
            }
            // Drop what was read; a long line's own bytes stay (appending to them is amortised).
            searched -= position
            buffer.removeSubrange(0..<position)
            position = 0
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether the line holds nothing but spaces, tabs and a carriage return: no message, so
    /// `import` skips it and `apply` copies it.
    var isBlankLine: Bool { allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
}
