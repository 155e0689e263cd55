/// What a store needs to know about a dispatcher message given as JSON text — its flow, id and
/// version — read without decoding the rest. Reading checks the message's shape with the same
/// rules (and errors) as ``StreamMigrator``.
public struct DispatcherMessageHeader: Sendable, Equatable {
    /// The member an exported store record carries when its flow is not simply running
    /// (`"retry_requested"` or `"failed"`). It is not part of Selinon's dispatcher message:
    /// stores take it out on import.
    public static let storeStatusKey = "selinon_migrate_status"
    /// The values ``storeStatusKey`` may take (a store's flow statuses); any other is an error.
    public static let storeStatuses = ["running", "retry_requested", "failed"]

    /// Why a number cannot be `migration_version`: larger than `Int.max`, or not a non-negative integer.
    static func versionError(_ numberText: String) -> StateError {
        let digitsOnly = !numberText.isEmpty && numberText.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        // (The scanner stops after a leading zero: a valid "0" is never refused.)
        if digitsOnly && numberText.hasPrefix("0") {
            return StateError(.malformed, "not valid JSON: migration_version is a number with a leading zero")
        }
        if digitsOnly {
            return StateError(.invalidValue, "migration_version \(numberText) is larger than \(Int.max), the largest this tool reads "
                + "(a signed 64-bit integer): newer than any migration directory reaches")
        }
        return StateError(.wrongType, "migration_version must be a non-negative integer or null, found \(numberText)")
    }

    /// Why a number cannot be `retried_count`: larger than `Int.max`, or not a non-negative integer.
    static func retriedCountError(_ numberText: String) -> StateError {
        let digitsOnly = !numberText.isEmpty && numberText.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        // (The scanner stops after a leading zero: a valid "0" is never refused.)
        if digitsOnly && numberText.hasPrefix("0") {
            return StateError(.malformed, "not valid JSON: retried_count is a number with a leading zero")
        }
        if digitsOnly {
            return StateError(.invalidValue, "retried_count \(numberText) is larger than \(Int.max), the largest this tool reads "
                + "(a signed 64-bit integer)")
        }
        return StateError(.wrongType, "retried_count must be a non-negative integer or null, found \(numberText)")
    }

    /// Why a number cannot be `retry`, if it cannot: Python's `NaN` or `Infinity`, or one beyond the
    /// range of a 64-bit float — a fraction or exponent (`1E400`), which Python's `json` reads as
    /// infinity, or an integer of hundreds of digits, which no time can be counted down from: no
    /// countdown the dispatcher can schedule.
    static func retryError(_ numberText: String) -> StateError? {
        if ["NaN", "Infinity", "-Infinity"].contains(numberText) {
            return StateError(.wrongType, "retry must be a number or null, found \(numberText)")
        }
        guard Double(numberText)?.isInfinite == true else { return nil }
        let isInteger = !numberText.contains { $0 == "." || $0 == "e" || $0 == "E" }
        return StateError(.invalidValue, "retry \(numberText) is beyond the range of a 64-bit floating-point number "
            + (isInteger ? "(no countdown the dispatcher can schedule)" : "(Python reads it as infinity)")
            + ": give the countdown in seconds, or null")
    }

    /// `flow_name`.
    public var flowName: String
    /// `dispatcher_id`, when the message has one (a string).
    public var dispatcherID: String?
    /// `migration_version`; 0 when it is missing or null, as the migrator reads it.
    public var migrationVersion: Int
    /// Whether `state` is an object (not missing or null).
    public var hasState: Bool
    /// The value of ``storeStatusKey``, if the message carries it.
    public var storeStatus: String?

    /// Reads `message`, one JSON object.
    /// - Throws: ``StateError`` when it is not a dispatcher message.
    public init(reading message: [UInt8]) throws(StateError) {
        let scan = try message.withUnsafeBufferPointer { bytes throws(StateError) in try DispatcherLineScanner.scan(bytes, readingIdentity: true) }
        self.init(scan)
    }

    init(_ scan: DispatcherLineScanner.Scan) {
        flowName = scan.flowName!
        dispatcherID = scan.dispatcherID
        migrationVersion = scan.version ?? 0
        hasState = scan.hasState
        storeStatus = scan.storeStatus
    }

    /// `message` without its ``storeStatusKey`` member (byte for byte otherwise), and the
    /// member's value; `message` itself when it has no such member.
    /// - Throws: ``StateError`` when it is not a dispatcher message.
    public static func removingStoreStatus(from message: [UInt8]) throws(StateError) -> (message: [UInt8], status: String?) {
        let scan = try message.withUnsafeBufferPointer { bytes throws(StateError) in try DispatcherLineScanner.scan(bytes) }
        guard let span = scan.storeStatusMemberSpan else { return (message, nil) }
        var stripped = message
        stripped.removeSubrange(span)
        return (stripped, scan.storeStatus)
    }

    /// `message` (a JSON object, as read by ``init(reading:)``) with
    /// `"selinon_migrate_status": status` added as its last member.
    public static func addingStoreStatus(_ status: String, to message: [UInt8]) -> [UInt8] {
        adding(storeStatusKey, string: status, to: message)
    }

    /// `message` (a JSON object) with one more string member at its end — right after the last
    /// member's value, so that the whitespace before the closing brace stays where it was and
    /// ``removingStoreStatus(from:)`` gives back the message byte for byte — the rest unchanged;
    /// anything else unchanged (a damaged message, `}{`, is left for its reader to name).
    public static func adding(_ key: String, string value: String, to message: [UInt8]) -> [UInt8] {
        guard let close = message.lastIndex(of: UInt8(ascii: "}")), let open = message.firstIndex(of: UInt8(ascii: "{")),
              open < close else {
            return message
        }
        let isWhitespace = { (byte: UInt8) in byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
        let lastValueEnd = message[(open + 1)..<close].lastIndex { !isWhitespace($0) }.map { $0 + 1 }
        var result = Array(message[..<(lastValueEnd ?? close)])
        if lastValueEnd != nil { result += Array(", ".utf8) }
        JSONWriter.writeString(key, into: &result)
        result += Array(": ".utf8)
        JSONWriter.writeString(value, into: &result)
        result += message[(lastValueEnd ?? close)...]
        return result
    }
}
