import Foundation

/// A fresh, uniquely named directory under the system's temporary directory, removed when the
/// value is no longer used — each test gets its own.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute URL.
    public let url: URL

    public init(prefix: String = "selinon-migrate-tests") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `relativePath` inside the directory.
    public func path(_ relativePath: String) -> String {
        url.appendingPathComponent(relativePath).path
    }

    /// Writes `contents` to `relativePath`, creating intermediate directories.
    @discardableResult
    public func write(_ contents: String, to relativePath: String) throws -> String {
        let fileURL = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(
            at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: fileURL)
        return fileURL.path
    }
}
