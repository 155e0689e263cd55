import CLibGit2
import Foundation

// Renames: git's rename detection between two commits.
extension GitRepository {
    /// The files `commit` renamed, as git's rename detection finds them between its first
    /// parent and itself (exact renames, and files at least half similar, as `git log --follow`
    /// and `git diff -M` find them): new path → old path. Empty for a root commit.
    public func renamedFiles(in commit: GitCommit) throws(GitError) -> [String: String] {
        guard let parentID = commit.parents.first else { return [:] }
        return try renamedFiles(from: parentID, to: commit.id)
    }

    /// The files renamed between two commits' trees, as `git diff -M OLD NEW` finds them: new
    /// path → old path.
    public func renamedFiles(from old: GitObjectID, to new: GitObjectID) throws(GitError) -> [String: String] {
        try locked { () throws(GitError) -> [String: String] in
            try withTree(old) { oldTree throws(GitError) -> [String: String] in
                try withTree(new) { newTree throws(GitError) -> [String: String] in
                    var diff: OpaquePointer?
                    var options = git_diff_options()
                    git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
                    var status = git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
                    guard status == 0, let diff else { throw GitError.last(status, operation: "compare \(new.short) with \(old.short)") }
                    defer { git_diff_free(diff) }
                    var find = git_diff_find_options()
                    git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
                    find.flags = GIT_DIFF_FIND_RENAMES.rawValue
                    status = git_diff_find_similar(diff, &find)
                    guard status == 0 else { throw GitError.last(status, operation: "find the files renamed since \(old.short)") }
                    return Self.renames(in: diff)
                }
            }
        }
    }

    /// The files renamed between HEAD and the working tree (staged or not; a file moved without
    /// `git mv`, not yet added, too), as `git status` finds renames: new path → old path. Empty
    /// while HEAD is unborn, and in a bare repository.
    public func renamedFilesSinceHead() throws(GitError) -> [String: String] {
        guard workingDirectory != nil, !isHeadUnborn else { return [:] }
        let head = try commit("HEAD")
        return try locked { () throws(GitError) -> [String: String] in
            try withTree(head.id) { tree throws(GitError) -> [String: String] in
                var diff: OpaquePointer?
                var options = git_diff_options()
                git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
                options.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
                var status = git_diff_tree_to_workdir_with_index(&diff, handle, tree, &options)
                guard status == 0, let diff else { throw GitError.last(status, operation: "compare HEAD with the working tree") }
                defer { git_diff_free(diff) }
                var find = git_diff_find_options()
                git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
                find.flags = GIT_DIFF_FIND_RENAMES.rawValue | GIT_DIFF_FIND_FOR_UNTRACKED.rawValue
                status = git_diff_find_similar(diff, &find)
                guard status == 0 else { throw GitError.last(status, operation: "find the files renamed since HEAD") }
                return Self.renames(in: diff)
            }
        }
    }

    /// New path → old path of every renamed file of `diff` (rename detection already run).
    private static func renames(in diff: OpaquePointer) -> [String: String] {
        var renamed: [String: String] = [:]
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index), delta.pointee.status == GIT_DELTA_RENAMED,
                  let old = delta.pointee.old_file.path, let new = delta.pointee.new_file.path else { continue }
            renamed[String(cString: new)] = String(cString: old)
        }
        return renamed
    }
}
