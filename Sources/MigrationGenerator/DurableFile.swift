import FlowMigration
import Foundation

/// Files written so that a crash leaves either the old state or the complete new one.
enum DurableFile {
    /// Writes `bytes` to a new (temporary) file at `path` and flushes it to disk; errors name
    /// `destination`, the file it is written for, and leave no temporary file behind. The file
    /// gets the permissions the umask leaves, or — when `destination` exists, to be replaced —
    /// its permissions and (where this user may give it) its owner. Whatever has the temporary
    /// name already — a file an earlier process of this id left, or a link someone planted to
    /// have the write go elsewhere — is removed, never written through: the file is created
    /// new (`O_EXCL`, `O_NOFOLLOW`).
    static func write(_ bytes: [UInt8], to path: String, for destination: String) throws(MigrationWriteError) {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            let code = errno
            throw .io(path: destination, message: "cannot create a temporary file next to it: \(String(cString: strerror(code)))",
                      hint: FileSystemReason.writeHint(for: code))
        }
        defer { close(descriptor) }
        var replaced = stat()
        if stat(destination, &replaced) == 0 && (replaced.st_mode & S_IFMT) == S_IFREG {
            // The owner first: giving a file away may clear its set-id bits.
            _ = fchown(descriptor, replaced.st_uid, replaced.st_gid)
            fchmod(descriptor, replaced.st_mode & 0o7777)
        }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            guard result > 0 else {
                let code = errno
                unlink(path)
                throw .io(path: destination, message: "cannot write: \(String(cString: strerror(code)))", hint: FileSystemReason.writeHint(for: code))
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            unlink(path)
            throw .io(path: destination, message: "cannot flush to disk: \(String(cString: strerror(code)))", hint: FileSystemReason.writeHint(for: code))
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

/// Removes the hidden temporary files that runs killed outright (SIGKILL, a power cut) left next
/// to the file they were writing: `.NAME.PID.tmp` (migration files and the sum) or
/// `.NAME.PID.N.tmp` (outputs). A file is taken for left over only when no process of that id
/// runs here **and** it has not changed for ``minimumAge``: a writer in another PID namespace (a
/// container sharing the directory) finishes a migration file within seconds and keeps writing
/// to an output while it runs. A caller that holds the directory's ``MigrationDirectoryLock``
/// knows that no other writer is at work there: every such file but its own is left over.
package enum LeftoverTemporaryFiles {
    /// How long a temporary file must have gone unchanged to be taken for left over.
    package static let minimumAge: TimeInterval = 600

    /// How a writer names its temporary files after the name of the file it writes.
    package enum Naming: Sendable {
        /// `.NAME.PID.tmp`
        case processID
        /// `.NAME.PID.N.tmp`, N a random number.
        case processIDAndNumber

        var numberCount: Int { self == .processID ? 1 : 2 }
    }

    /// The part of a temporary file's name taken from `name`, the file it is written for: all of
    /// it, or — for a name so long that the temporary name would pass the file system's limit
    /// of 255 bytes (`NAME_MAX`) — the longest prefix of whole characters that leaves room for
    /// the numbers and the dots.
    package static func stem(of name: String, naming: Naming) -> String {
        // ".", and per number "." and up to 10 digits, and ".tmp".
        let room = 255 - 1 - naming.numberCount * 11 - 4
        guard name.utf8.count > room else { return name }
        var stem = Substring(name)
        while stem.utf8.count > room { stem = stem.dropLast() }
        return String(stem)
    }

    /// Removes the leftover temporary files of `name` (a file name, no directory) in `directory`.
    package static func remove(of name: String, in directory: String, naming: Naming) {
        let stem = stem(of: name, naming: naming)
        remove(in: directory, naming: naming) { $0 == stem }
    }

    /// Removes the leftover temporary files in `directory` of the files whose names `isTarget`
    /// accepts; `exclusive`: no other process writes there now (the caller holds its lock).
    package static func remove(in directory: String, naming: Naming, exclusive: Bool = false, where isTarget: (String) -> Bool) {
        let shown = directory.isEmpty ? "." : directory
        let now = Date().timeIntervalSince1970
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: shown)) ?? [] where entry.hasPrefix(".") && entry.hasSuffix(".tmp") {
            let parts = entry.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
            let count = naming.numberCount
            guard parts.count > count, parts.suffix(count).allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= "0" && $0 <= "9" } }),
                  isTarget(parts.dropLast(count).joined(separator: ".")), let pid = pid_t(parts[parts.count - count]) else { continue }
            let path = (shown as NSString).appendingPathComponent(entry)
            var status = stat()
            let gone = exclusive ? pid != getpid() : kill(pid, 0) != 0 && errno == ESRCH
            guard gone, lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
                  exclusive || now - TimeInterval(status.st_mtim.tv_sec) >= minimumAge else { continue }
            unlink(path)
        }
    }
}
