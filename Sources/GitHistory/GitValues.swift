import CLibGit2
import Foundation

/// A file whose working-tree content is not staged (see ``GitRepository/unstagedChanges(under:)``).
public struct UnstagedChange: Sendable, Equatable {
    /// How the working tree differs from the index.
    public enum Kind: String, Sendable {
        /// Changed, or another kind of file (a link where a file was staged).
        case modified
        case deleted
        /// Not in the index at all (and not ignored).
        case untracked
        /// In an unresolved merge conflict.
        case conflicted
    }

    /// The path inside the repository, with `/` separators.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// A git object id (SHA-1).
public struct GitObjectID: Sendable, Hashable, CustomStringConvertible {
    /// The 40 hexadecimal digits.
    public let hex: String

    init(_ oid: git_oid) {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var oid: git_oid {
        var oid = git_oid()
        git_oid_fromstr(&oid, hex)
        return oid
    }

    /// The first 12 digits, for people.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
}

/// A commit's identity and what people recognise it by.
public struct GitCommit: Sendable, Hashable {
    public var id: GitObjectID
    /// Parents in order; the first is the first parent.
    public var parents: [GitObjectID]
    /// The first line of the message.
    public var summary: String
    /// The committer date.
    public var date: Date
    /// The committer's offset from UTC when committing, in seconds (`+0545`: 20,700), for the
    /// date as `git log` shows it.
    public var dateOffsetSeconds: Int
}

/// An entry of a tree: a file (blob), a directory (tree) or a symbolic link.
public struct GitTreeEntry: Sendable, Hashable {
    /// What the entry is; a symbolic link is a blob holding its target, a submodule a commit
    /// of another repository.
    public enum Kind: Sendable, Hashable {
        case file, directory, symbolicLink, submodule, other
    }

    public var id: GitObjectID
    public var kind: Kind

    init(id: GitObjectID, kind: Kind) {
        self.id = id
        self.kind = kind
    }

    init?(_ entry: OpaquePointer) {
        id = GitObjectID(git_tree_entry_id(entry).pointee)
        switch git_tree_entry_type(entry) {
        case GIT_OBJECT_TREE: kind = .directory
        case GIT_OBJECT_BLOB: kind = git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK ? .symbolicLink : .file
        case GIT_OBJECT_COMMIT: kind = .submodule
        default: kind = .other
        }
    }
}
