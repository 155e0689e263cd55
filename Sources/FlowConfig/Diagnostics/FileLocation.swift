/// A position in a configuration file — what a compiler-style diagnostic points at.
public struct FileLocation: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The file's path as the user named it (relative paths stay relative).
    public var file: String
    /// The 1-based line; 0 when the location is the whole file.
    public var line: Int
    /// The 1-based column; 0 when the location is the whole file.
    public var column: Int

    /// A position in `file`; `line` and `column` are 1-based, or 0 for the whole file.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location of a file as a whole (for problems such as "file not found").
    public static func wholeFile(_ file: String) -> FileLocation {
        FileLocation(file: file, line: 0, column: 0)
    }

    /// By file, then line, then column: a whole-file location comes first in its file.
    public static func < (lhs: FileLocation, rhs: FileLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }

    /// `path:line:column`, or just `path` for a whole-file location.
    public var description: String {
        line == 0 ? file : "\(file):\(line):\(column)"
    }
}
