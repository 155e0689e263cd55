import FlowMigration
import Foundation

/// Renders `--format json` reports: snake_case keys, sorted, indented like migration files.
enum JSONReport {
    static func render(_ report: some Encodable) throws -> String {
        String(decoding: JSONWriter.pretty(try value(report)).dropLast(), as: UTF8.self)
    }

    /// `report` as a JSON value with snake_case keys, to place inside a larger document.
    static func value(_ report: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try JSONParser().parse([UInt8](encoder.encode(report)))
    }
}
