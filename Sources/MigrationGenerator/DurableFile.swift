import Foundation

/// Files written so that a crash leaves either the old state or the complete new one.
enum DurableFile {
    /// Writes `bytes` to a new (temporary) file at `path` and flushes it to disk; errors name
    /// `destination`, the file it is written for, and leave no temporary file behind.
    static func write(_ bytes: [UInt8], to path: String, for destination: String) throws(MigrationWriteError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw .io(path: destination, message: "cannot create a temporary file next to it: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            guard result > 0 else {
                unlink(path)
                throw .io(path: destination, message: "cannot write: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            unlink(path)
            throw .io(path: destination, message: "cannot flush to disk: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes a directory's entries (new and renamed files) to disk.
    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
