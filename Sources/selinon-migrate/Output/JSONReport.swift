import FlowMigration
import Foundation

/// Renders `--format json` reports: snake_case keys, sorted, indented like migration files.
enum JSONReport {
    static func render(_ report: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(report)
        let value = try JSONParser().parse([UInt8](data))
        return String(decoding: JSONWriter.pretty(value).dropLast(), as: UTF8.self)
    }
}
