import Foundation
import Testing

/// Golden-file assertions: the expected text lives in a file next to the tests and is reviewed
/// like code. Set `RECORD_SNAPSHOTS=1` to rewrite goldens; a run that records always fails, so a
/// missing or re-recorded golden never passes unnoticed.
public enum Snapshot {
    /// Compares `actual` with the golden file at `path`.
    public static func assertMatches(_ actual: String, golden path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil
        let expected = try? String(contentsOfFile: path, encoding: .utf8)
        if recording || expected == nil {
            do {
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try actual.write(toFile: path, atomically: true, encoding: .utf8)
                Issue.record("recorded golden file \(path); review it and run the tests again without RECORD_SNAPSHOTS",
                             sourceLocation: sourceLocation)
            } catch {
                Issue.record("cannot write golden file \(path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        if actual != expected {
            Issue.record("""
                output differs from golden file \(path) (RECORD_SNAPSHOTS=1 rewrites it)
                --- expected
                \(expected ?? "")
                --- actual
                \(actual)
                """, sourceLocation: sourceLocation)
        }
    }

    /// The directory of the test source file that calls this, for goldens kept beside it.
    public static func directory(of filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent()
    }
}
