/// A position in YAML source text: 1-based line and column, as editors and compilers count them.
///
/// Columns count Unicode scalars, which is how libyaml reports them.
public struct YAMLMark: Sendable, Hashable, Comparable, CustomStringConvertible {
    // 32 bits each keep every node of a large document small.
    private var storedLine: UInt32
    private var storedColumn: UInt32

    /// The 1-based line number.
    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = UInt32(clamping: newValue) }
    }

    /// The 1-based column number.
    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = UInt32(clamping: newValue) }
    }

    public init(line: Int, column: Int) {
        storedLine = UInt32(clamping: line)
        storedColumn = UInt32(clamping: column)
    }

    public static func < (lhs: YAMLMark, rhs: YAMLMark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}
