import FlowMigration
import Foundation

/// The lock that the commands writing a migration directory (`generate`, `rehash`, `rebase`)
/// hold from before they read the directory until they are done, so that two of them never
/// interleave — two `generate` runs each reading `2.json` as the newest file and each writing the
/// next one from its own old configuration. A second writer is refused at once rather than made
/// to wait: it would have to start over from the directory the first one left.
///
/// It is an advisory `flock` on the directory that holds the migration directory: a `rebase`
/// replaces the migration directory itself (and builds its replacement next to it), and a first
/// `generate` creates it, so its parent is the one inode all of them share (the nearest existing
/// ancestor while the parent does not exist yet). The lock ends with the process, however it ends.
public final class MigrationDirectoryLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock for `migrationDirectory`; throws when another process holds it. Where the
    /// file system gives no lock (no permission to open the parent, a file system without
    /// `flock`), the write goes on unlocked, as it did before locks.
    public init(for migrationDirectory: String) throws(MigrationWriteError) {
        var holder = parentDirectory(of: migrationDirectory)
        while !holder.isEmpty, holder != "/", !FileManager.default.fileExists(atPath: holder) {
            holder = parentDirectory(of: holder)
        }
        descriptor = open(holder.isEmpty ? "." : holder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) != 0 else { return }
        let code = errno
        guard code == EWOULDBLOCK else { return }
        close(descriptor)
        throw .busy(directory: migrationDirectory)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
