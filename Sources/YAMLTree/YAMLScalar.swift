/// A scalar as written (text, quoting style, tag) together with the value it resolves to.
///
/// Stored compactly — a document holds hundreds of thousands of scalars: a string value shares
/// the text's storage, and the rare tag lives in a box.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The scalar's text after unescaping, before resolution.
    public var text: String
    private var storage: Storage
    /// The quoting style.
    public var style: Style
    private var tagBox: TagBox?

    public init(value: YAMLScalarValue, text: String, style: Style, tag: String? = nil) {
        self.text = text
        self.storage = Storage(value)
        if case .string(let string) = value, string != text { self.text = string }
        self.style = style
        self.tagBox = tag.map(TagBox.init)
    }

    /// The value under YAML 1.1 resolution, as PyYAML's safe loader constructs it.
    public var value: YAMLScalarValue {
        get {
            switch storage {
            case .null: return .null
            case .bool(let bool): return .bool(bool)
            case .int(let int): return .int(.small(int))
            case .bigInt(let digits): return .int(.big(digits))
            case .float(let double): return .float(double)
            case .string: return .string(text)
            case .timestamp(let timestamp): return .timestamp(timestamp)
            }
        }
        set {
            storage = Storage(newValue)
            if case .string(let string) = newValue { text = string }
        }
    }

    /// The explicit tag in full form (`tag:yaml.org,2002:str` for `!!str`), if any.
    public var tag: String? { tagBox?.tag }

    /// Whether the scalar resolved to a string (cheaper than matching ``value``).
    public var isString: Bool {
        if case .string = storage { return true }
        return false
    }

    /// The value without payloads larger than a pointer.
    private enum Storage: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        indirect case bigInt(String)
        case float(Double)
        /// The string is ``YAMLScalar/text``.
        case string
        indirect case timestamp(YAMLTimestamp)

        init(_ value: YAMLScalarValue) {
            switch value {
            case .null: self = .null
            case .bool(let bool): self = .bool(bool)
            case .int(.small(let int)): self = .int(int)
            case .int(.big(let digits)): self = .bigInt(digits)
            case .float(let double): self = .float(double)
            case .string: self = .string
            case .timestamp(let timestamp): self = .timestamp(timestamp)
            }
        }
    }

    private final class TagBox: Sendable, Hashable {
        let tag: String
        init(_ tag: String) { self.tag = tag }
        static func == (lhs: TagBox, rhs: TagBox) -> Bool { lhs.tag == rhs.tag }
        func hash(into hasher: inout Hasher) { hasher.combine(tag) }
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
    /// A `YYYY-MM-DD` date or a full timestamp (Python `datetime.date` / `datetime.datetime`);
    /// boxed, since it is rare and larger than the other payloads.
    indirect case timestamp(YAMLTimestamp)

    /// Whether the value is an integer or a float (a boolean is neither here).
    public var isNumber: Bool {
        switch self {
        case .int, .float: return true
        default: return false
        }
    }

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

    /// The integer `double` is exactly, when it is finite and integral (what Python's `==`
    /// compares an integer with: `1e20 == 10**20`); `nil` otherwise.
    public init?(exactly double: Double) {
        guard double.isFinite, double.rounded(.towardZero) == double else { return nil }
        if let small = Int(exactly: double) {
            self = .small(small)
            return
        }
        // Beyond 2⁶³ every double is normal: its significand with the leading bit, times 2^(exponent − 52).
        var magnitude = BigNatural(small: double.significandBitPattern | (1 << 52))
        var shift = Int(double.exponent) - 52
        while shift > 0 {
            let step = min(shift, 32)
            magnitude.multiply(by: 1 << UInt64(step))
            shift -= step
        }
        self = magnitude.integer(negative: double < 0)
    }

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

extension YAMLTimestamp {
    /// What Python's `==` and `hash()` see of the constructed value: a date its day; a naive
    /// date-time its fields; an aware one (with a UTC offset) its instant, so that
    /// `2001-12-14t21:59:43-05:00` equals `2001-12-15t02:59:43Z`. A date never equals a
    /// date-time, nor a naive date-time an aware one.
    public var pythonIdentity: PythonIdentity {
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        guard let time else { return PythonIdentity(kind: .date, days: days, seconds: 0, microsecond: 0) }
        var seconds = time.hour * 3_600 + time.minute * 60 + time.second
        guard let offset = time.utcOffsetMinutes else {
            return PythonIdentity(kind: .naive, days: days, seconds: seconds, microsecond: time.microsecond)
        }
        seconds += days * 86_400 - offset * 60
        let utcDays = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
        return PythonIdentity(kind: .aware, days: utcDays, seconds: seconds - utcDays * 86_400, microsecond: time.microsecond)
    }

    /// ``pythonIdentity``'s value: comparable and hashable as Python compares the constructed values.
    public struct PythonIdentity: Sendable, Hashable, CustomStringConvertible {
        /// Which of Python's types the value is: `datetime.date`, or `datetime.datetime` without
        /// or with a UTC offset (naive and aware values never compare equal).
        public enum Kind: Sendable, Hashable { case date, naive, aware }
        public var kind: Kind
        /// Days since 1970-01-01 (in UTC for an aware date-time).
        public var days: Int
        /// Seconds into that day.
        public var seconds: Int
        public var microsecond: Int

        /// `aware 11305 10783.000000`: a stable text of the identity, for hashes built from bytes.
        public var description: String { "\(kind) \(days) \(seconds).\(microsecond)" }
    }

    /// Days from 1970-01-01 to a day of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
