import CLibGit2
import Foundation

/// A libgit2 failure, with libgit2's own message.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong: what the user asked for, or libgit2 itself.
    public enum Kind: Sendable, Equatable {
        case notARepository
        case outsideRepository
        case unknownRevision
        /// The repository is owned by another user (git's `safe.directory`).
        case untrustedOwner
        /// A shallow clone lacks the history asked for.
        case shallowHistory
        /// A path of the index is in an unresolved merge conflict (staged as its conflict stages).
        case unresolvedConflict
        /// Symbolic links lead to each other without end.
        case linkLoop
        /// A path asked for is a submodule (or is in one, or in another repository nested in the
        /// working tree): its files are in another repository.
        case submodule
        /// A file git holds is a Git LFS pointer, not the file itself.
        case lfsPointer
        /// A flow directory holds a link to a directory the walk reaches another way too (or to
        /// one above it), whose flow files `selinon-cli` would read twice (``GitError/path``).
        case directoryReachedTwice
        case libgit2
    }

    public var kind: Kind
    public var message: String
    /// The path the error is about, when it is one path of a tree (``Kind/directoryReachedTwice``).
    public var path: String?

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    static func last(_ status: Int32, operation: String) -> GitError {
        let detail = git_error_last().map { String(cString: $0.pointee.message) } ?? "error \(status)"
        if status == GIT_EOWNER.rawValue {
            return GitError(.untrustedOwner, "cannot \(operation): \(detail); if you trust it, run: git config --global --add safe.directory <the repository's path>")
        }
        return GitError(.libgit2, "cannot \(operation): \(detail)")
    }

    public var description: String { message }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension GitError: LocalizedError {
    public var errorDescription: String? { description }
}
