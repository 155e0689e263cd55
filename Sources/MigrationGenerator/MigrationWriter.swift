import FlowMigration
import Foundation

/// Writes the next numbered migration file into a migration directory, atomically: the bytes go
/// to a hidden temporary file in the same directory, are flushed to disk, and the file is then
/// linked under its final name — which fails rather than overwrites when another process wrote
/// that version first. A crash leaves either no new file or the complete one.
public struct MigrationWriter: Sendable {
    public init() {}

    /// Writes `migration` as version `latest + 1` of the directory at `path` (created when it
    /// does not exist). The directory is validated first; nothing is written when it is invalid.
    /// - Throws: ``MigrationWriteError``.
    public func write(_ migration: Migration, toDirectory path: String) throws(MigrationWriteError) -> WrittenMigration {
        let directory: MigrationDirectory
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            directory = try MigrationDirectory.load(from: path)
        } catch let error as MigrationDirectoryError {
            throw .invalidDirectory(error)
        } catch {
            throw .io(path: path, message: "cannot create the migration directory: \(error.localizedDescription)")
        }
        let version = directory.latestVersion + 1
        let finalPath = MigrationDirectory.filePath(version: version, in: path)
        let temporaryPath = (path as NSString).appendingPathComponent(".\(version).json.\(ProcessInfo.processInfo.processIdentifier).tmp")
        let bytes = migration.selinonJSON()
        try writeDurably(bytes, to: temporaryPath)
        defer { unlink(temporaryPath) }
        guard link(temporaryPath, finalPath) == 0 else {
            let reason = errno == EEXIST ? "\(version).json appeared while writing (another generate running?); run generate again"
                : String(cString: strerror(errno))
            throw .io(path: finalPath, message: "cannot create the migration file: \(reason)")
        }
        syncDirectory(path)
        let duplicate = directory.files.last.map { $0.migration.hasSameEffect(as: migration) } ?? false
        return WrittenMigration(path: finalPath, version: version, bytes: bytes, repeatsPreviousMigration: duplicate)
    }

    private func writeDurably(_ bytes: [UInt8], to path: String) throws(MigrationWriteError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw .io(path: path, message: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            guard result > 0 else {
                unlink(path)
                throw .io(path: path, message: "cannot write the migration: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            unlink(path)
            throw .io(path: path, message: "cannot flush the migration to disk: \(String(cString: strerror(errno)))")
        }
    }

    private func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// A migration file that was written.
public struct WrittenMigration: Sendable {
    public var path: String
    public var version: Int
    public var bytes: [UInt8]
    /// Whether it changes states exactly as the previous migration does ("the same migration
    /// twice" — usually generated twice by mistake).
    public var repeatsPreviousMigration: Bool
}

/// Why a migration could not be written; nothing was written in any case.
public enum MigrationWriteError: Error, Sendable, CustomStringConvertible {
    /// The existing directory has gaps, odd names or broken files.
    case invalidDirectory(MigrationDirectoryError)
    /// The file system refused.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidDirectory(let error):
            return error.description + "\nnothing was written: fix the migration directory first"
        case .io(let path, let message):
            return "\(path): error: \(message)"
        }
    }
}
