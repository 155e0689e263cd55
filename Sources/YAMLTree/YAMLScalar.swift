/// A scalar as written (text, quoting style, tag) together with the value it resolves to.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The value under YAML 1.1 resolution, as PyYAML's safe loader constructs it.
    public var value: YAMLScalarValue
    /// The scalar's text after unescaping, before resolution.
    public var text: String
    /// The quoting style.
    public var style: Style
    /// The explicit tag in full form (`tag:yaml.org,2002:str` for `!!str`), if any.
    public var tag: String?

    public init(value: YAMLScalarValue, text: String, style: Style, tag: String? = nil) {
        self.value = value
        self.text = text
        self.style = style
        self.tag = tag
    }
}

/// The value of a scalar after YAML 1.1 resolution: exactly the Python types PyYAML's safe loader
/// (which Selinon uses) produces.
public enum YAMLScalarValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer; ``YAMLInteger`` keeps integers beyond 64 bits exactly, as Python does.
    case int(YAMLInteger)
    case float(Double)
    case string(String)
    /// A `YYYY-MM-DD` date or a full timestamp (Python `datetime.date` / `datetime.datetime`).
    case timestamp(YAMLTimestamp)

    /// A short name for the kind of value, for messages: "a string", "a boolean", ….
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .float: return "a number"
        case .string: return "a string"
        case .timestamp(let timestamp): return timestamp.time == nil ? "a date" : "a timestamp"
        }
    }
}

/// An integer of any size, as Python keeps them.
public enum YAMLInteger: Sendable, Hashable, CustomStringConvertible {
    case small(Int)
    /// Beyond 64 bits: the decimal digits, with a leading `-` when negative.
    case big(String)

    /// The value when it fits in `Int`.
    public var intValue: Int? {
        if case .small(let value) = self { return value }
        return nil
    }

    /// The decimal representation, as Python's `str(int)` writes it.
    public var description: String {
        switch self {
        case .small(let value): return String(value)
        case .big(let digits): return digits
        }
    }
}

/// A date or date-time as PyYAML constructs it from a YAML 1.1 timestamp.
public struct YAMLTimestamp: Sendable, Hashable, CustomStringConvertible {
    /// The time of day, present for a full timestamp.
    public struct Time: Sendable, Hashable {
        public var hour: Int
        public var minute: Int
        public var second: Int
        public var microsecond: Int
        /// Offset from UTC in minutes; `nil` for a naive time (no zone given).
        public var utcOffsetMinutes: Int?
    }

    public var year: Int
    public var month: Int
    public var day: Int
    public var time: Time?

    /// Python's `isoformat()` of the constructed `date` or `datetime`.
    public var description: String {
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        guard let time else { return text }
        text += "T" + pad(time.hour, 2) + ":" + pad(time.minute, 2) + ":" + pad(time.second, 2)
        if time.microsecond != 0 { text += "." + pad(time.microsecond, 6) }
        if let offset = time.utcOffsetMinutes {
            let sign = offset < 0 ? "-" : "+"
            text += sign + pad(abs(offset) / 60, 2) + ":" + pad(abs(offset) % 60, 2)
        }
        return text
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
