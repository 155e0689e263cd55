import Foundation

/// A migration file that cannot be used, with where and what to do.
public struct MigrationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// The line, when known (syntax errors and most content errors).
    public var line: Int?
    /// The column (1-based, in characters), when known with the line: where the key the error is
    /// about starts, or where the JSON stops being valid.
    public var column: Int?
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var hint: String

    /// An error in `file`, at `line` and `column` when known (a column without a line is dropped);
    /// `hint` says what to do, or is empty.
    public init(file: String, line: Int? = nil, column: Int? = nil, message: String, hint: String = "") {
        self.file = file
        self.line = line
        self.column = line == nil ? nil : column
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: message`, as compilers write it (without the parts not known), then
    /// `hint: …` on a second, indented line when there is a hint.
    public var description: String {
        let location = line.map { "\(file):\($0)" + (column.map { ":\($0)" } ?? "") } ?? file
        return "\(location): error: \(message)" + (hint.isEmpty ? "" : "\n  hint: \(hint)")
    }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension MigrationFileError: LocalizedError {
    public var errorDescription: String? { description }
}
