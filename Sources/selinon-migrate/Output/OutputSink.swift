import Foundation

/// Where a command writes a stream: standard output for `-`; a regular file appears only when
/// complete — bytes go to a hidden temporary file next to it, which is flushed and renamed on
/// ``commit()``, so an interrupted run leaves the previous file (if any) untouched. Anything
/// that exists and is not a regular file (`/dev/stderr`, a pipe) is written to directly.
final class OutputSink {
    private let handle: FileHandle
    private let path: String?
    private let temporaryPath: String?

    init(path: String) throws {
        guard path != "-" else {
            handle = .standardOutput
            self.path = nil
            temporaryPath = nil
            return
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
           (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) != .typeRegular {
            guard !isDirectory.boolValue, let file = FileHandle(forWritingAtPath: path) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
            handle = file
            self.path = nil
            temporaryPath = nil
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let file = FileHandle(forWritingAtPath: temporary)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = file
        self.path = path
        temporaryPath = temporary
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try handle.write(contentsOf: bytes)
    }

    /// Makes the file visible under its name (standard output: nothing to do).
    func commit() throws {
        guard let path, let temporaryPath else { return }
        try handle.synchronize()
        try handle.close()
        guard rename(temporaryPath, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Removes the unfinished file.
    func discard() {
        guard let temporaryPath else { return }
        try? handle.close()
        unlink(temporaryPath)
    }
}
