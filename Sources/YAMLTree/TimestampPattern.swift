/// PyYAML's YAML 1.1 timestamp: the implicit pattern of `resolver.py` and the construction of
/// `SafeConstructor.construct_yaml_timestamp`, including Python's `date`/`datetime` range checks.
enum TimestampPattern {
    private struct Cursor {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }
        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        static func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

        mutating func take(_ byte: UInt8) -> Bool {
            guard current == byte else { return false }
            index += 1
            return true
        }

        /// Exactly `count` digits.
        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard Cursor.isDigit(current) else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            return value
        }

        /// `[0-9][0-9]?`; `width` reports how many were read.
        mutating func oneOrTwoDigits(width: inout Int) -> Int? {
            guard var value = digits(1) else { return nil }
            width = 1
            if Cursor.isDigit(current), let next = digits(1) {
                value = value * 10 + next
                width = 2
            }
            return value
        }
    }

    /// Whether a plain scalar is implicitly a timestamp (PyYAML's resolver pattern): a date needs
    /// two-digit month and day; a date-time may use one digit.
    static func matchesImplicit(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 8, Cursor.isDigit(bytes[0]) else { return false }
        return parse(Array(bytes), implicit: true) != nil
    }

    /// The value PyYAML constructs, or `nil` when the text does not match or is out of range.
    static func construct(_ bytes: [UInt8]) -> YAMLTimestamp? {
        guard let timestamp = parse(bytes, implicit: false), isValid(timestamp) else { return nil }
        return timestamp
    }

    private static func parse(_ bytes: [UInt8], implicit: Bool) -> YAMLTimestamp? {
        var cursor = Cursor(bytes: bytes)
        var monthWidth = 0, dayWidth = 0, width = 0
        guard let year = cursor.digits(4), cursor.take(UInt8(ascii: "-")),
              let month = cursor.oneOrTwoDigits(width: &monthWidth), cursor.take(UInt8(ascii: "-")),
              let day = cursor.oneOrTwoDigits(width: &dayWidth)
        else { return nil }
        var timestamp = YAMLTimestamp(year: year, month: month, day: day, time: nil)
        if cursor.atEnd {
            return implicit && (monthWidth != 2 || dayWidth != 2) ? nil : timestamp
        }
        // (?:[Tt]|[ \t]+)
        if !(cursor.take(UInt8(ascii: "T")) || cursor.take(UInt8(ascii: "t"))) {
            guard cursor.current == UInt8(ascii: " ") || cursor.current == UInt8(ascii: "\t") else { return nil }
            while cursor.current == UInt8(ascii: " ") || cursor.current == UInt8(ascii: "\t") { cursor.index += 1 }
        }
        guard let hour = cursor.oneOrTwoDigits(width: &width), cursor.take(UInt8(ascii: ":")),
              let minute = cursor.digits(2), cursor.take(UInt8(ascii: ":")),
              let second = cursor.digits(2)
        else { return nil }
        var microsecond = 0
        if cursor.take(UInt8(ascii: ".")) {
            var fraction = [UInt8]()
            while Cursor.isDigit(cursor.current) {
                fraction.append(cursor.bytes[cursor.index])
                cursor.index += 1
            }
            let six = fraction.prefix(6) + Array(repeating: UInt8(ascii: "0"), count: max(0, 6 - fraction.count))
            microsecond = six.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        var offset: Int?
        let zoneStart = cursor.index
        while cursor.current == UInt8(ascii: " ") || cursor.current == UInt8(ascii: "\t") { cursor.index += 1 }
        if cursor.take(UInt8(ascii: "Z")) {
            offset = 0
        } else if let sign = cursor.current, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            cursor.index += 1
            guard let zoneHour = cursor.oneOrTwoDigits(width: &width) else { return nil }
            var zoneMinute = 0
            if cursor.take(UInt8(ascii: ":")) {
                guard let minutes = cursor.digits(2) else { return nil }
                zoneMinute = minutes
            }
            offset = (zoneHour * 60 + zoneMinute) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else {
            cursor.index = zoneStart
        }
        guard cursor.atEnd else { return nil }
        timestamp.time = .init(hour: hour, minute: minute, second: second,
                               microsecond: microsecond, utcOffsetMinutes: offset)
        return timestamp
    }

    /// Python's `date`, `datetime` and `timezone` constructor checks.
    private static func isValid(_ timestamp: YAMLTimestamp) -> Bool {
        guard timestamp.year >= 1, (1...12).contains(timestamp.month) else { return false }
        let isLeap = timestamp.year % 4 == 0 && (timestamp.year % 100 != 0 || timestamp.year % 400 == 0)
        let monthLengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthLengths[timestamp.month - 1]).contains(timestamp.day) else { return false }
        guard let time = timestamp.time else { return true }
        guard time.hour < 24, time.minute < 60, time.second < 60 else { return false }
        if let offset = time.utcOffsetMinutes, abs(offset) >= 24 * 60 { return false }
        return true
    }
}
