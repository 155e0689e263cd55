import FlowConfig
import Foundation
import GitHistory
import Testing
import TestSupport

/// Behaviour of the libgit2 wrapper that mutation testing found unchecked: revision errors,
/// shallow merge bases, branches and remotes, renames, links, conflicts, submodules and the
/// walks that follow moved configurations.
struct GitRepositoryEdgeCaseTests {
    static let nodes = GitRepositoryTests.nodes
    static func flow(_ edges: String) -> String { GitRepositoryTests.flow(edges) }
    /// A flow file long enough for git's rename detection to pair it after an edit.
    static func longFlow(_ name: String, _ extra: String = "") -> String {
        "flow-definitions:\n  - name: \(name)\n    edges:\n      - {from: , to: T0}\n"
            + (0..<8).map { "      - {from: T\($0), to: T\($0 + 1)}\n" }.joined() + extra
    }

    /// Runs `git` with `arguments` in `directory` (a clone the fixture does not own).
    static func git(in directory: String, _ arguments: String..., fixture: GitFixture) throws {
        try fixture.run(["-C", directory] + arguments)
    }

    @Test func revisionErrorsNameWhatIsWrong() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes])
        try fixture.commit("docs", ["README.md": "x"])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let caret = #expect(throws: GitError.self) { try repository.commit("^HEAD") }
        #expect(caret?.message.contains("is a range, not a single revision") == true, "\(caret?.message ?? "")")
        let short = #expect(throws: GitError.self) { try repository.commit("abc") }
        #expect(short?.kind == .unknownRevision)
        #expect(short?.message.contains("a commit id needs at least 4 digits") == true, "\(short?.message ?? "")")

        // A tag and a branch of one name: refused, not one picked silently.
        try fixture.git("tag", "release", "HEAD~1")
        try fixture.git("branch", "release")
        let ambiguous = #expect(throws: GitError.self) { try repository.commit("release~0") }
        #expect(ambiguous?.message.hasPrefix("'release' is ambiguous: it names refs/tags/release and refs/heads/release") == true,
                "\(ambiguous?.message ?? "")")

        // A branch of a remote not fetched, named in full or below a remote whose name has a slash.
        try fixture.git("remote", "add", "origin", "https://example.org/none.git")
        try fixture.git("remote", "add", "origin/team", "https://example.org/team.git")
        let full = #expect(throws: GitError.self) { try repository.commit("refs/remotes/origin/release") }
        #expect(full?.message.contains("branch release of the remote origin has not been fetched into this clone: git fetch origin release")
            == true, "\(full?.message ?? "")")
        let nested = #expect(throws: GitError.self) { try repository.commit("origin/team/hotfix") }
        #expect(nested?.message.contains("branch hotfix of the remote origin/team has not been fetched") == true, "\(nested?.message ?? "")")

        // HEAD@{upstream} on a detached HEAD says so, as @{u} does.
        try fixture.git("checkout", "-q", "--detach")
        let detached = #expect(throws: GitError.self) { try repository.commit("HEAD@{upstream}") }
        #expect(detached?.message.contains("but HEAD is detached") == true, "\(detached?.message ?? "")")
        #expect(repository.headBranch == nil)
    }

    @Test func theCommitterOffsetIsKeptInSeconds() throws {
        let fixture = try GitFixture()
        try fixture.directory.write(Self.nodes, to: "nodes.yml")
        try fixture.git("add", "-A")
        try fixture.run(["commit", "-q", "-m", "config"], environment: ["GIT_COMMITTER_DATE": "2026-01-01T12:00:00+0545"])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(try repository.commit("HEAD").dateOffsetSeconds == 20_700)
    }

    /// A merge checkout fetched two commits deep: the base is HEAD's parent, found in the history
    /// fetched although libgit2's walk reaches the cut-off.
    @Test func aShallowCloneStillFindsAMergeBaseInTheHistoryFetched() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes])
        try fixture.commit("base", ["README.md": "base"])
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.commit("feature work", ["NOTES.md": "feature"])
        try fixture.git("checkout", "-q", "main")
        try fixture.commit("main moves on", ["README.md": "moved on"])
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
        let clone = try TemporaryDirectory()
        try fixture.git("clone", "-q", "--depth", "2", "file://" + fixture.root.path, clone.path("shallow"))
        let repository = try GitRepository(containing: clone.path("shallow"), environment: [:])
        #expect(repository.isShallow)
        let head = try repository.commit("HEAD")
        let parent = try repository.commit("HEAD~1")
        #expect(try repository.mergeBase(head.id, parent.id) == parent.id)
        #expect(try repository.mergeBase(parent.id, head.id) == parent.id)
    }

    @Test func fetchedHistoryFollowsEveryParent() throws {
        let fixture = try GitFixture()
        let root = try fixture.commit("config", ["nodes.yml": Self.nodes])
        try fixture.git("checkout", "-q", "-b", "feature")
        let feature = try fixture.commit("feature work", ["NOTES.md": "feature"])
        try fixture.git("checkout", "-q", "main")
        let main = try fixture.commit("main moves on", ["README.md": "main"])
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let head = try repository.commit("HEAD").id
        #expect(repository.fetchedHistory(from: head, contains: try repository.commit(feature).id))
        #expect(repository.fetchedHistory(from: head, contains: head))
        #expect(repository.fetchedHistory(from: try repository.commit(main).id, contains: try repository.commit(root).id))
        #expect(!repository.fetchedHistory(from: try repository.commit(main).id, contains: try repository.commit(feature).id))
    }

    @Test func aCloneKnowsItsBranchUpstreamAndTheRemoteDefault() throws {
        let origin = try GitFixture()
        try origin.commit("config", ["nodes.yml": Self.nodes])
        let clones = try TemporaryDirectory()
        let work = clones.path("work")
        try origin.git("clone", "-q", origin.root.path, work)
        try Self.git(in: work, "checkout", "-q", "-b", "feature", "--track", "origin/main", fixture: origin)
        let repository = try GitRepository(containing: work, environment: [:])
        #expect(repository.headBranch == "feature")
        let upstream = try #require(try repository.upstream())
        #expect(upstream.branch == "feature" && upstream.upstream == "origin/main", "\(upstream)")
        #expect(repository.upstreamRemote(ofBranch: "feature") == "origin")
        #expect(repository.upstreamRemote(ofBranch: "main") == "origin")
        #expect(repository.defaultBranch(ofRemote: "origin") == "origin/main")
        #expect(repository.remoteNames == ["origin"])
    }

    /// Renames are found whatever `diff.renames` says, against the first parent of a merge,
    /// and in the working tree before anything is staged.
    @Test func renamesAreFoundAsTheWalkNeedsThem() throws {
        let fixture = try GitFixture()
        try fixture.git("config", "diff.renames", "false")
        try fixture.commit("config", ["old/nodes.yml": Self.nodes, "old/flows/main.yml": Self.longFlow("main")])
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.commit("move", ["old/nodes.yml": nil, "old/flows/main.yml": nil,
                                    "new/nodes.yml": Self.nodes, "new/flows/main.yml": Self.longFlow("main")])
        try fixture.git("checkout", "-q", "main")
        try fixture.commit("unrelated", ["README.md": "x"])
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge the move", "feature")
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let merge = try repository.commit("HEAD")
        let moved = ["new/nodes.yml": "old/nodes.yml", "new/flows/main.yml": "old/flows/main.yml"]
        #expect(try repository.renamedFiles(in: repository.commit("feature")) == moved)
        #expect(try repository.renamedFiles(in: merge) == moved)
        // The merge moved the configuration relative to its first parent.
        let paths = ConfigurationPaths(nodesFile: "new/nodes.yml", flowPaths: ["new/flows"])
        #expect(try repository.pathsBeforeMove(of: paths, in: merge) == ConfigurationPaths(nodesFile: "old/nodes.yml", flowPaths: ["old/flows"]))

        // Moved in the working tree with mv, nothing staged.
        try FileManager.default.createDirectory(atPath: fixture.path("conf"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: fixture.path("new/nodes.yml"), toPath: fixture.path("conf/nodes.yml"))
        #expect(try repository.renamedFilesSinceHead() == ["conf/nodes.yml": "new/nodes.yml"])
    }

    @Test func linksResolveAsTheFileSystemResolvesThem() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "other.yml": "other"])
        // A chain of five links to the nodes file.
        for (link, target) in [("l1", "l2"), ("l2", "l3"), ("l3", "l4"), ("l4", "l5"), ("l5", "nodes.yml")] {
            try FileManager.default.createSymbolicLink(atPath: fixture.path(link), withDestinationPath: target)
        }
        try FileManager.default.createSymbolicLink(atPath: fixture.path("escape"), withDestinationPath: "../nodes.yml")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("through"), withDestinationPath: "nodes.yml/../other.yml")
        try fixture.commit("links", [:])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let head = try repository.commit("HEAD").id
        #expect(try repository.file(at: "l1", in: head).map { String(decoding: $0, as: UTF8.self) } == Self.nodes)
        let escape = #expect(throws: GitError.self) { try repository.file(at: "escape", in: head) }
        #expect(escape?.kind == .outsideRepository)
        // A path through a file is no path (ENOTDIR), not the file beside it.
        #expect(try repository.file(at: "through", in: head) == nil)
    }

    @Test func fileNamesDirectlyInADirectoryAreFilesOnly() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["flows/main.yml": "main", "flows/sub/deep.yml": "deep", "flows/notes.txt": "notes"])
        try FileManager.default.createSymbolicLink(atPath: fixture.path("flows/link.yml"), withDestinationPath: "main.yml")
        try fixture.commit("link", [:])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(try repository.fileNames(directlyIn: "flows", in: repository.commit("HEAD").id, include: ConfigurationPaths.isFlowFileName)
            == ["main.yml"])
    }

    /// A merge stopped at a conflict in a flow file: the index refuses it, the working tree
    /// shows it as a conflict, and the index source names it with the index's prefix.
    @Test func aConflictedFlowFileIsRefusedFromTheIndex() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.commit("feature", ["flows/main.yml": Self.flow("{from: , to: B}")])
        try fixture.git("checkout", "-q", "main")
        try fixture.commit("main", ["flows/main.yml": Self.flow("{from: , to: A}, {from: A, to: B}")])
        #expect(throws: (any Error).self) { try fixture.git("merge", "-q", "feature") }
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(repository.isMerging)
        let file = #expect(throws: GitError.self) { try repository.indexFile(at: "flows/main.yml") }
        #expect(file?.kind == .unresolvedConflict)
        let listing = #expect(throws: GitError.self) { try repository.indexFiles(under: "flows", include: ConfigurationPaths.isFlowFileName) }
        #expect(listing?.kind == .unresolvedConflict)
        #expect(try repository.unstagedChanges(under: ["flows"]) == [UnstagedChange(path: "flows/main.yml", kind: .conflicted)])
        let source = GitConfigurationSource(repository: repository, paths: ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"]),
                                            location: .index)
        let error = #expect(throws: ConfigurationError.self) { try source.read() }
        #expect(error?.diagnostics.map(\.code) == [.gitConflict])
        #expect(error?.diagnostics.map(\.location.file) == [":nodes.yml"])
    }

    /// A flow directory holding a link to a directory inside it, or back to itself: a revision
    /// and the index refuse it at the link as the working tree's files are refused (selinon-cli
    /// reads those flows twice, or walks the loop without end), instead of reading each once.
    @Test func aFlowDirectoryReachedTwiceThroughALinkIsRefusedAsOnDisk() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/sub/main.yml": Self.flow("{from: , to: A}")])
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        func diagnostics(_ source: some ConfigurationSource) -> [String] {
            do {
                _ = try source.read()
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }
        for (link, target, expected) in [
            ("flows/alias", "sub", "flows/alias: error: the same directory as flows/sub: selinon-cli reads the flow files in it twice, "
                + "so their flows are defined twice"),
            ("flows/sub/up", "..", "flows/sub/up: error: a link back to flows, which holds it: selinon-cli walks this loop again and "
                + "again, reading the flow files in it each time, so their flows are defined many times"),
        ] {
            try FileManager.default.createSymbolicLink(atPath: fixture.path(link), withDestinationPath: target)
            try fixture.commit("link \(link)", [:])
            let repository = try GitRepository(containing: fixture.root.path, environment: [:])
            // On disk, the same error at the same link (its paths absolute there).
            let onDisk = diagnostics(FileSystemConfigurationSource(nodesFile: fixture.path("nodes.yml"), flowPaths: [fixture.path("flows")]))
            let why = String(expected[expected.range(of: ": selinon-cli")!.lowerBound...])
            #expect(onDisk.count == 1 && onDisk[0].hasPrefix(fixture.path(link) + ": error: ") && onDisk[0].contains(why), "\(onDisk)")
            let head = try repository.commit("HEAD")
            let revision = diagnostics(GitConfigurationSource(repository: repository, paths: paths, location: .revision(head, label: "HEAD")))
            #expect(revision.first?.hasPrefix(head.id.short + ":" + expected) == true, "\(revision)")
            let index = diagnostics(GitConfigurationSource(repository: repository, paths: paths, location: .index))
            #expect(index.first?.hasPrefix(":" + expected) == true, "\(index)")
            try FileManager.default.removeItem(atPath: fixture.path(link))
            try fixture.git("add", "-A")
            try fixture.git("commit", "-q", "-m", "no link")
        }
        // Without a link, each is read as before.
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(try repository.files(under: "flows", in: repository.commit("HEAD").id, include: ConfigurationPaths.isFlowFileName,
                                     refusingDirectoriesReachedTwice: true).map(\.path) == ["flows/sub/main.yml"])
    }

    @Test func aFileReplacedByALinkIsOneChange() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/a.yml": Self.flow("{from: , to: A}"),
                                      "flows/b.yml": Self.flow("{from: , to: B}")])
        try FileManager.default.removeItem(atPath: fixture.path("flows/b.yml"))
        try FileManager.default.createSymbolicLink(atPath: fixture.path("flows/b.yml"), withDestinationPath: "a.yml")
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(try repository.unstagedChanges(under: ["flows"]) == [UnstagedChange(path: "flows/b.yml", kind: .modified)])
    }

    @Test func aSparseCheckoutLeavesOutSkipWorktreeFiles() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/a.yml": "a"])
        try fixture.git("update-index", "--skip-worktree", "flows/a.yml")
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(repository.isOutsideSparseCheckout("flows/a.yml"))
        #expect(repository.isOutsideSparseCheckout("flows"))
        #expect(!repository.isOutsideSparseCheckout("nodes.yml"))
    }

    /// A flow directory that is a submodule: re-pinning it changes the configuration, and
    /// reading it names the submodule.
    @Test func aSubmoduleFlowDirectoryIsNamedAndItsPointerIsAChange() throws {
        let fixture = try GitFixture()
        let first = try fixture.commit("config", ["nodes.yml": Self.nodes])
        let second = try fixture.commit("docs", ["README.md": "x"])
        try fixture.git("update-index", "--add", "--cacheinfo", "160000,\(first),flows")
        try fixture.git("commit", "-q", "-m", "pin the flows")
        try fixture.git("update-index", "--cacheinfo", "160000,\(second),flows")
        try fixture.git("commit", "-q", "-m", "re-pin the flows")
        try fixture.git("commit", "-q", "--allow-empty", "-m", "unrelated")  // (not `git add -A`: the submodule has no checkout)
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let head = try repository.commit("HEAD")
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        #expect(try repository.commitsChanging(paths, from: head.id).map(\.summary) == ["re-pin the flows", "pin the flows", "config"])
        let listing = #expect(throws: GitError.self) { try repository.files(under: "flows", in: head.id, include: ConfigurationPaths.isFlowFileName) }
        #expect(listing?.kind == .submodule)
        let source = GitConfigurationSource(repository: repository, paths: paths, location: .revision(head, label: "HEAD"))
        #expect(source.absentFlowPaths().isEmpty, "a submodule is there: reading it says what is wrong")
        let error = #expect(throws: ConfigurationError.self) { try source.read() }
        #expect(error?.diagnostics.map(\.code) == [.gitSubmodule])
    }

    @Test func noCommitChangedAConfigurationThatIsNotThere() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["conf/nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        // A nodes "file" that is a directory is no nodes file.
        let directory = ConfigurationPaths(nodesFile: "conf", flowPaths: ["flows"])
        #expect(try repository.newestCommitChanging(directory, from: repository.commit("HEAD").id) == nil)
        #expect(try !repository.snapshot(of: directory, at: repository.commit("HEAD").id).hasNodesFile)
        try fixture.commit("remove the nodes file", ["conf/nodes.yml": nil])
        let paths = ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["flows"])
        #expect(try repository.newestCommitChanging(paths, from: repository.commit("HEAD").id) == nil)
    }

    /// After a move, the walk compares the commits before it at the old paths: a commit there
    /// that left the configuration alone is no change.
    @Test func theHistoryBeforeAMoveIsComparedAtTheOldPaths() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["old/nodes.yml": Self.nodes, "old/flows/main.yml": Self.longFlow("main")])
        try fixture.commit("docs", ["README.md": "hello"])
        try fixture.commit("move", ["old/nodes.yml": nil, "old/flows/main.yml": nil,
                                    "new/nodes.yml": Self.nodes, "new/flows/main.yml": Self.longFlow("main")])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let paths = ConfigurationPaths(nodesFile: "new/nodes.yml", flowPaths: ["new/flows"])
        #expect(try repository.configurationHistory(paths, from: repository.commit("HEAD").id).map(\.commit.summary) == ["move", "config"])
    }

    /// Flow files that came from the repository's root, from two directories (the first name
    /// wins a tie), or a directory split in two.
    @Test func aMovedFlowDirectoryIsWhereItsFilesCameFrom() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["conf/nodes.yml": Self.nodes, "a.yml": Self.longFlow("a"), "b.yml": Self.longFlow("b"),
                                      "left/x.yml": Self.longFlow("x"), "right/y.yml": Self.longFlow("y")])
        try fixture.commit("gather", ["a.yml": nil, "b.yml": nil, "flows/a.yml": Self.longFlow("a"), "flows/b.yml": Self.longFlow("b"),
                                      "left/x.yml": nil, "right/y.yml": nil,
                                      "pipelines/x.yml": Self.longFlow("x"), "pipelines/y.yml": Self.longFlow("y")])
        try fixture.commit("split", ["pipelines/x.yml": nil, "pipelines/y.yml": nil,
                                     "one/x.yml": Self.longFlow("x"), "two/y.yml": Self.longFlow("y")])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let gather = try repository.commit("HEAD~1")
        #expect(try repository.pathsBeforeMove(of: ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["flows"]), in: gather)
            == ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: [""]))
        #expect(try repository.pathsBeforeMove(of: ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["pipelines"]), in: gather)
            == ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["left"]))
        #expect(try repository.pathsBeforeMove(of: ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["one", "two"]),
                                               in: repository.commit("HEAD"))
            == ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["pipelines"]))
    }

    /// Only flow files named one by one take back a deleted flow file; a draft beside them that
    /// defined no listed flow is not one, whatever its name sorts before.
    @Test func aDeletedFlowFileIsTakenBackOnlyBesideNamedFiles() throws {
        let fixture = try GitFixture()
        let two = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [main, extra]\n"
        let extra = "flow-definitions: [{name: extra, edges: [{from: , to: B}]}]\n"
        try fixture.commit("config", ["conf/nodes.yml": two, "conf/flows/main.yml": Self.flow("{from: , to: A}"),
                                      "conf/flows/a_draft.yml": "flow-definitions: [{name: draft}]\n", "conf/flows/extra.yml": extra,
                                      "conf/extra.yml": extra])
        try fixture.commit("remove extra", ["conf/nodes.yml": Self.nodes, "conf/flows/a_draft.yml": nil, "conf/flows/extra.yml": nil,
                                            "conf/extra.yml": nil])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let head = try repository.commit("HEAD")
        let files = ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["conf/flows/main.yml"])
        #expect(try repository.configurationHistory(files, from: head.id).map(\.deletedFlowFiles) == [["conf/flows/extra.yml"], []])
        // A flow directory lists its files at each revision: the file beside it was never read.
        let directory = ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["conf/flows"])
        #expect(try repository.pathsBeforeMove(of: directory, in: head) == nil)
    }

    /// Moved in the working tree: only flow files vote for where the flow directory was.
    @Test func anUncommittedMoveIsFollowedByItsFlowFiles() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/main.yml": Self.longFlow("main"),
                                      "docs/notes.txt": "notes that moved with the flows\n"])
        try FileManager.default.moveItem(atPath: fixture.path("flows"), toPath: fixture.path("pipelines"))
        try FileManager.default.moveItem(atPath: fixture.path("docs/notes.txt"), toPath: fixture.path("pipelines/notes.txt"))
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        #expect(try repository.pathsBeforeUncommittedMove(of: ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["pipelines"]))
            == ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"]))
    }

    /// Walking back exactly `limit` commits still reaches the target along first parents (the
    /// trees' renames alone would miss a path taken again after a move).
    @Test func configurationPathsWalkExactlyTheLimit() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["old/nodes.yml": Self.nodes])
        try fixture.commit("move", ["old/nodes.yml": nil, "new/nodes.yml": Self.nodes])
        try fixture.commit("another nodes file where the old one was", ["old/nodes.yml": "tasks: []\nflows: []\n"])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let paths = ConfigurationPaths(nodesFile: "new/nodes.yml", flowPaths: [])
        let old = ConfigurationPaths(nodesFile: "old/nodes.yml", flowPaths: [])
        let head = try repository.commit("HEAD").id, target = try repository.commit("HEAD~2").id
        #expect(try repository.configurationPaths(paths, at: target, from: head, limit: 3) == old)
        #expect(try repository.configurationPaths(paths, at: target, from: head) == old)
    }

    @Test func aRevisionSourceReadsTheRevisionAndIsNamedByIt() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try fixture.commit("two", ["flows/main.yml": Self.flow("{from: , to: B}")])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let old = try repository.commit("HEAD~1")
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows/main.yml"])
        let source = GitConfigurationSource(repository: repository, paths: paths, location: .revision(old, label: old.id.short))
        #expect(source.sourceDescription == "git:\(old.id.short)")
        #expect(try source.read().flows.map { String(decoding: $0.contents, as: UTF8.self) } == [Self.flow("{from: , to: A}")])
    }

    /// A flow file stored through a filter: Git LFS is left to the loader (which names a pointer),
    /// any other driver is refused for flow files as for the nodes file.
    @Test func filteredFlowFilesAreNamed() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}"),
                                      ".gitattributes": "flows/*.yml filter=lfs\n"])
        let repository = try GitRepository(containing: fixture.root.path, environment: [:])
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        #expect(try repository.contentFilter(of: "flows/main.yml") == "lfs")
        #expect(try repository.contentFilter(of: "nodes.yml") == nil)
        let source = GitConfigurationSource(repository: repository, paths: paths, location: .revision(try repository.commit("HEAD"), label: "HEAD"))
        #expect(try source.read().flows.count == 1)
        try fixture.directory.write("flows/*.yml filter=crypt\n", to: ".gitattributes")
        let error = #expect(throws: ConfigurationError.self) { try source.read() }
        #expect(error?.diagnostics.map(\.code) == [.gitFilter])
        #expect(error?.diagnostics.map(\.location.file).allSatisfy { $0.hasSuffix(":flows/main.yml") } == true)
    }

    /// Operations stopped at a conflict part-way through several commits (git's sequencer), and
    /// a rebase of the apply backend, are seen as under way.
    @Test func operationsStoppedPartWayAreSeen() throws {
        func fixture() throws -> GitFixture {
            let fixture = try GitFixture()
            try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/main.yml": "A\n"])
            try fixture.commit("two", ["flows/main.yml": "B\n"])
            try fixture.commit("three", ["flows/main.yml": "C\n"])
            return fixture
        }
        let reverting = try fixture()
        #expect(throws: (any Error).self) { try reverting.git("revert", "--no-edit", "HEAD~1", "HEAD~2") }
        #expect(try GitRepository(containing: reverting.root.path, environment: [:]).isReverting)

        let picking = try fixture()
        try picking.git("checkout", "-q", "-b", "side", "HEAD~2")
        let picked = try picking.commit("side one", ["flows/main.yml": "D\n"])
        try picking.commit("side two", ["README.md": "side"])
        try picking.git("checkout", "-q", "main")
        #expect(throws: (any Error).self) { try picking.git("cherry-pick", "side~1", "side") }
        #expect(try GitRepository(containing: picking.root.path, environment: [:]).cherryPickedCommit?.id.hex == picked)

        let rebasing = try fixture()
        try rebasing.git("checkout", "-q", "-b", "side", "HEAD~2")
        let branchHead = try rebasing.commit("side", ["flows/main.yml": "D\n"])
        #expect(throws: (any Error).self) { try rebasing.git("rebase", "--apply", "main") }
        #expect(try GitRepository(containing: rebasing.root.path, environment: [:]).rebasedBranchHead?.id.hex == branchHead)
    }
}
