import FlowConfig
import Foundation
import GitHistory
import Testing
import TestSupport

struct GitRepositoryTests {
    static let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [main]\n"
    static func flow(_ edges: String) -> String { "flow-definitions: [{name: main, edges: [\(edges)]}]\n" }

    @Test func readsFilesAsTheyWereAtEachRevision() throws {
        let fixture = try GitFixture()
        let first = try fixture.commit("config", ["conf/nodes.yml": Self.nodes, "conf/flows/main.yml": Self.flow("{from: , to: A}")])
        let second = try fixture.commit("add an edge", ["conf/flows/main.yml": Self.flow("{from: , to: A}, {from: A, to: B}")])
        try fixture.commit("docs", ["README.md": "hello"])
        let repository = try GitRepository(containing: fixture.path("conf/nodes.yml"))
        #expect(try repository.commit("HEAD~2").id.hex == first)
        #expect(try repository.commit("HEAD~1").id.hex == second)
        let old = try #require(try repository.file(at: "conf/flows/main.yml", in: repository.commit("HEAD~2").id))
        #expect(String(decoding: old, as: UTF8.self) == Self.flow("{from: , to: A}"))
        #expect(try repository.file(at: "conf/missing.yml", in: repository.commit("HEAD").id) == nil)
        #expect(try repository.commit("HEAD").summary == "docs")
        #expect(try repository.repositoryPath(of: fixture.path("conf/flows")) == "conf/flows")
    }

    @Test func findsTheNewestCommitThatChangedTheConfiguration() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["conf/nodes.yml": Self.nodes, "conf/flows/main.yml": Self.flow("{from: , to: A}")])
        let change = try fixture.commit("change", ["conf/flows/main.yml": Self.flow("{from: , to: B}")])
        try fixture.commit("docs", ["README.md": "hello"])
        try fixture.commit("notes next to the flows", ["conf/flows/NOTES.txt": "not a flow file"])
        let repository = try GitRepository(containing: fixture.root.path)
        let paths = ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["conf/flows"])
        #expect(try repository.newestCommitChanging(paths, from: repository.commit("HEAD").id)?.id.hex == change)
        #expect(try repository.commitsChanging(paths, from: repository.commit("HEAD").id).map(\.summary) == ["change", "config"])
    }

    /// A root commit that adds part of the configuration (the flow files, the nodes file to
    /// come) changed it, as one that adds the nodes file alone does.
    @Test func aRootCommitWithPartOfTheConfigurationChangedIt() throws {
        let paths = ConfigurationPaths(nodesFile: "conf/nodes.yml", flowPaths: ["conf/flows"])
        for (first, second) in [(["conf/flows/main.yml": Self.flow("{from: , to: A}")], ["conf/nodes.yml": Self.nodes]),
                                (["conf/nodes.yml": Self.nodes], ["conf/flows/main.yml": Self.flow("{from: , to: A}")])] {
            let fixture = try GitFixture()
            try fixture.commit("first part", first.mapValues { $0 })
            try fixture.commit("second part", second.mapValues { $0 })
            let repository = try GitRepository(containing: fixture.root.path)
            #expect(try repository.commitsChanging(paths, from: repository.commit("HEAD").id).map(\.summary) == ["second part", "first part"],
                    "\(first.keys)")
        }
    }

    @Test func flowDirectoriesAreListedAsTheyWereAtEachRevision() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/a.yml": "a", "flows/sub/b.yaml": "b", "flows/.hidden.yml": "h"])
        try fixture.commit("rename and add", ["flows/a.yml": nil, "flows/renamed.yml": "a", "flows/c.yml": "c"])
        try fixture.commit("delete", ["flows/sub/b.yaml": nil])
        let repository = try GitRepository(containing: fixture.root.path)
        func listing(_ revision: String) throws -> [String] {
            try repository.files(under: "flows", in: repository.commit(revision).id, include: ConfigurationPaths.isFlowFileName).map(\.path)
        }
        #expect(try listing("HEAD~2") == ["flows/a.yml", "flows/sub/b.yaml"])
        #expect(try listing("HEAD~1") == ["flows/c.yml", "flows/renamed.yml", "flows/sub/b.yaml"])
        #expect(try listing("HEAD") == ["flows/c.yml", "flows/renamed.yml"])
    }

    @Test func aMovedConfigurationDirectoryCountsAsAChange() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["old/nodes.yml": Self.nodes, "old/flows/main.yml": Self.flow("{from: , to: A}")])
        let move = try fixture.commit("move", ["old/nodes.yml": nil, "old/flows/main.yml": nil,
                                               "new/nodes.yml": Self.nodes, "new/flows/main.yml": Self.flow("{from: , to: A}")])
        let repository = try GitRepository(containing: fixture.root.path)
        let paths = ConfigurationPaths(nodesFile: "new/nodes.yml", flowPaths: ["new/flows"])
        #expect(try repository.newestCommitChanging(paths, from: repository.commit("HEAD").id)?.id.hex == move)
        #expect(try !repository.snapshot(of: paths, at: repository.commit("HEAD~1").id).hasNodesFile)
    }

    /// The history follows moves as `git log --follow` does — exact renames and renamed files
    /// edited in the same commit — through several moves, each revision with its paths.
    @Test func configurationHistoryFollowsMoves() throws {
        let fixture = try GitFixture()
        let edges = (0..<6).map { "      - {from: T\($0), to: T\($0 + 1)}\n" }.joined()
        func flow(_ extra: String) -> String { "flow-definitions:\n  - name: main\n    edges:\n      - {from: , to: T0}\n" + edges + extra }
        try fixture.commit("config", ["old/nodes.yml": Self.nodes, "old/flows/main.yml": flow("")])
        let edit = try fixture.commit("edit", ["old/flows/main.yml": flow("      - {from: T6, to: T7}\n")])
        try fixture.commit("move", ["old/nodes.yml": nil, "old/flows/main.yml": nil,
                                    "new/nodes.yml": Self.nodes, "new/flows/main.yml": flow("      - {from: T6, to: T7}\n")])
        try fixture.commit("rename the flow directory, with an edit", [
            "new/flows/main.yml": nil, "new/pipelines/main.yml": flow("      - {from: T6, to: T7}\n      - {from: T7, to: T8}\n")])
        try fixture.commit("docs", ["README.md": "hello"])
        let repository = try GitRepository(containing: fixture.root.path)
        let paths = ConfigurationPaths(nodesFile: "new/nodes.yml", flowPaths: ["new/pipelines"])
        let head = try repository.commit("HEAD").id
        let history = try repository.configurationHistory(paths, from: head)
        #expect(history.map(\.commit.summary) == ["rename the flow directory, with an edit", "move", "edit", "config"])
        let old = ConfigurationPaths(nodesFile: "old/nodes.yml", flowPaths: ["old/flows"])
        let between = ConfigurationPaths(nodesFile: "new/nodes.yml", flowPaths: ["new/flows"])
        #expect(history.map(\.paths) == [paths, between, old, old])
        #expect(history.map(\.movedFrom) == [between, old, nil, nil])
        // Without following moves, the history at today's paths ends where they appeared.
        #expect(try repository.commitsChanging(paths, from: head).map(\.summary) == ["rename the flow directory, with an edit", "move"])
        #expect(try repository.configurationHistory(paths, from: head, limit: 2).count == 2)
        // Where the files were at one commit (walking back), and at one off the first-parent line
        // (from the renames between the two trees).
        #expect(try repository.configurationPaths(paths, at: repository.commit(edit).id, from: head) == old)
        #expect(try repository.configurationPaths(paths, at: head, from: head) == paths)
        #expect(try repository.configurationPaths(paths, at: repository.commit(edit).id, from: head, limit: 1) == old)
    }

    /// Flow files named one by one: a flow file deleted since (its flow removed with it) is read
    /// at the revisions that had it, or they would list a flow they do not define. A YAML file
    /// beside them that defined no flow the nodes file listed (not part of the configuration)
    /// is not, nor is one in another directory.
    @Test func configurationPathsTakeBackAFlowFileDeletedSince() throws {
        let fixture = try GitFixture()
        let twoFlows = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [main, extra]\n"
        let extra = "flow-definitions: [{name: extra, edges: [{from: , to: B}]}]\n"
        // Beside them: a draft of a flow no nodes file lists, a copy of the named file (its flow is defined already).
        let before = try fixture.commit("config", ["nodes.yml": twoFlows, "flows/main.yml": Self.flow("{from: , to: A}"),
                                                   "flows/extra.yml": extra, "flows/notes.yml": "flow-definitions: [{name: draft}]\n",
                                                   "flows/main_copy.yml": Self.flow("{from: , to: A}"), "other/more.yml": extra])
        let removal = try fixture.commit("remove the extra flow", ["nodes.yml": Self.nodes, "flows/extra.yml": nil, "flows/notes.yml": nil,
                                                                   "flows/main_copy.yml": nil, "other/more.yml": nil])
        let repository = try GitRepository(containing: fixture.root.path)
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows/main.yml"])
        let then = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows/main.yml", "flows/extra.yml"])
        let head = try repository.commit("HEAD").id
        let history = try repository.configurationHistory(paths, from: head)
        #expect(history.map(\.commit.id.hex) == [removal, before])
        #expect(history.map(\.movedFrom) == [then, nil] && history.map(\.deletedFlowFiles) == [["flows/extra.yml"], []])
        #expect(try repository.configurationPaths(paths, at: repository.commit(before).id, from: head) == then)
        #expect(try repository.pathsBeforeMove(of: paths, from: repository.commit(before).id, to: head) == then)
        // A flow directory lists its files as each revision had them: nothing to take back.
        let directory = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        #expect(try repository.configurationHistory(directory, from: head).map(\.movedFrom) == [nil, nil])
        // Deleted in the working tree (not committed yet): HEAD's configuration had it.
        try fixture.commit("back", ["nodes.yml": twoFlows, "flows/extra.yml": extra])
        try FileManager.default.removeItem(atPath: fixture.path("flows/extra.yml"))
        #expect(try GitRepository(containing: fixture.root.path).pathsBeforeUncommittedMove(of: paths) == then)
    }

    @Test func followsFirstParentsThroughMerges() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try fixture.git("checkout", "-q", "-b", "feature")
        try fixture.commit("feature change", ["flows/main.yml": Self.flow("{from: , to: B}")])
        try fixture.git("checkout", "-q", "main")
        try fixture.commit("unrelated", ["README.md": "x"])
        try fixture.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
        let repository = try GitRepository(containing: fixture.root.path)
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        let head = try repository.commit("HEAD")
        #expect(head.parents.count == 2)
        #expect(try repository.newestCommitChanging(paths, from: head.id)?.summary == "merge feature")
        #expect(try repository.commitsChanging(paths, from: head.id).map(\.summary) == ["merge feature", "config"])
        let base = try #require(try repository.mergeBase(repository.commit("main~1").id, repository.commit("feature").id))
        #expect(try repository.commit(id: base).summary == "config")
    }

    @Test func readsADetachedHeadAndTheIndex() throws {
        let fixture = try GitFixture()
        let first = try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try fixture.commit("two", ["flows/main.yml": Self.flow("{from: , to: B}")])
        try fixture.git("checkout", "-q", first)
        try fixture.directory.write(Self.flow("{from: , to: A}, {from: A, to: B}"), to: "flows/main.yml")
        try fixture.git("add", "flows/main.yml")
        try fixture.directory.write("unstaged", to: "flows/main.yml")
        let repository = try GitRepository(containing: fixture.root.path)
        #expect(try repository.commit("HEAD").id.hex == first)
        #expect(try repository.upstream() == nil)
        // The upstream of no branch: said, not "unknown" or "invalid pattern".
        let detached = #expect(throws: GitError.self) { try repository.commit("@{u}") }
        #expect(detached?.message.contains("is the upstream of the current branch, but HEAD is detached") == true, "\(String(describing: detached))")
        let none = #expect(throws: GitError.self) { try repository.commit("main@{upstream}") }
        #expect(none?.message.contains("branch 'main' has no upstream branch") == true, "\(String(describing: none))")
        let staged = try #require(try repository.indexFile(at: "flows/main.yml"))
        #expect(String(decoding: staged, as: UTF8.self) == Self.flow("{from: , to: A}, {from: A, to: B}"))
        #expect(try repository.indexFiles(under: "flows", include: ConfigurationPaths.isFlowFileName).map(\.path) == ["flows/main.yml"])
        // `git add -N` stages no content: a commit would not hold the file, so the index has none.
        try fixture.directory.write(Self.flow("{from: , to: C}"), to: "flows/wip.yml")
        try fixture.git("add", "-N", "flows/wip.yml")
        #expect(try repository.indexFile(at: "flows/wip.yml") == nil)
        #expect(try repository.indexFiles(under: "flows", include: ConfigurationPaths.isFlowFileName).map(\.path) == ["flows/main.yml"])
        // The index deleted since (git rm --cached of everything, a fresh clone's first moments):
        // nothing is staged, not what the repository had loaded before.
        try FileManager.default.removeItem(at: fixture.root.appendingPathComponent(".git/index"))
        #expect(try repository.indexFile(at: "flows/main.yml") == nil)
    }

    @Test func loadsAConfigurationFromARevision() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}, {from: A, to: Bee}")])
        let repository = try GitRepository(containing: fixture.root.path)
        let source = GitConfigurationSource(repository: repository, paths: ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"]),
                                            location: .revision(try repository.commit("HEAD"), label: "HEAD"))
        let result = ConfigurationLoader().load(from: source)
        let commit = try repository.commit("HEAD").id.short
        #expect(result.diagnostics.map(\.location.description) == ["\(commit):flows/main.yml:1:72"])
        #expect(source.sourceDescription == "git:\(commit) (HEAD)")
    }

    @Test func aFlowPathGivenTwiceIsNamedNotEveryFlowDefinedTwice() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}"),
                                   "flows/side.yml": "flow-definitions: []\n"])
        let repository = try GitRepository(containing: fixture.root.path)
        let commit = try repository.commit("HEAD")
        for (flowPaths, expected) in [
            (["flows", "flows"], ["\(commit.id.short):flows: this directory is given twice (also as flows): its flows would be defined twice"]),
            (["flows", "flows/main.yml"], ["\(commit.id.short):flows/main.yml: this flow file is read twice (through flows and flows/main.yml): "
                + "its flows would be defined twice"]),
            (["flows/main.yml", "flows/main.yml"], ["\(commit.id.short):flows/main.yml: this flow file is given twice: its flows would be defined twice"]),
        ] {
            let source = GitConfigurationSource(repository: repository, paths: ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: flowPaths),
                                                location: .revision(commit, label: "HEAD"))
            let error = #expect(throws: ConfigurationError.self) { try source.read() }
            #expect(error?.diagnostics.map { "\($0.location): \($0.message)" } == expected)
        }
        // Each once: read.
        let once = GitConfigurationSource(repository: repository, paths: ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"]),
                                          location: .revision(commit, label: "HEAD"))
        #expect(try once.read().flows.map(\.path) == ["\(commit.id.short):flows/main.yml", "\(commit.id.short):flows/side.yml"])
    }

    @Test func aRepositoryWithoutCommitsAndAPathOutsideAnyRepositoryAreClearErrors() throws {
        let fixture = try GitFixture()
        let repository = try GitRepository(containing: fixture.root.path)
        let empty = #expect(throws: GitError.self) { try repository.commit("HEAD") }
        #expect(empty?.message.hasPrefix("HEAD's branch has no commits yet") == true)
        let blank = #expect(throws: GitError.self) { try repository.commit("") }
        #expect(blank?.kind == .unknownRevision)
        let unknown = #expect(throws: GitError.self) { try GitRepository(containing: fixture.root.path).commit("no-such-branch") }
        #expect(unknown?.kind == .unknownRevision)
        let outside = try TemporaryDirectory()
        let error = #expect(throws: GitError.self) { try GitRepository(containing: outside.path("nodes.yml")) }
        #expect(error?.kind == .notARepository)
        #expect(error?.message == "'\(outside.path("nodes.yml"))' is not inside a git repository")
        #expect(throws: GitError.self) { try repository.repositoryPath(of: outside.path("x")) }
    }

    /// An absolute link into the checkout works here only: said so, not "outside the repository".
    @Test func anAbsoluteLinkIntoTheCheckoutIsNamedAsSuch() throws {
        let fixture = try GitFixture()
        try fixture.commit("v1", ["releases/v1/nodes.yml": Self.nodes])
        try FileManager.default.createSymbolicLink(atPath: fixture.path("nodes.yml"), withDestinationPath: fixture.path("releases/v1/nodes.yml"))
        let commit = try fixture.commit("link", [:])
        let repository = try GitRepository(containing: fixture.root.path)
        let error = #expect(throws: GitError.self) { try repository.file(at: "nodes.yml", in: repository.commit(commit).id) }
        #expect(error?.message.contains("is a symbolic link to the absolute path") == true
                && error?.message.contains("make it relative") == true, "\(String(describing: error))")
    }

    @Test func symbolicLinksAreReadAsEachRevisionRecordsThem() throws {
        // releases/v1 and releases/v2 committed; 'current' selects one. Switching the link is a
        // configuration change; reading 'current/…' at a revision follows that revision's link.
        let fixture = try GitFixture()
        try fixture.commit("v1", ["releases/v1/nodes.yml": Self.nodes, "releases/v1/flows/main.yml": Self.flow("{from: , to: A}"),
                                  "releases/v1/flows/b.yml": "b"])
        try FileManager.default.createSymbolicLink(atPath: fixture.path("current"), withDestinationPath: "releases/v1")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("releases/v1/flows/linked.yml"), withDestinationPath: "b.yml")
        let deployV1 = try fixture.commit("deploy v1", [:])
        try fixture.commit("prepare v2", ["releases/v2/nodes.yml": Self.nodes, "releases/v2/flows/main.yml": Self.flow("{from: , to: B}")])
        try FileManager.default.removeItem(atPath: fixture.path("current"))
        try FileManager.default.createSymbolicLink(atPath: fixture.path("current"), withDestinationPath: "releases/v2")
        let deployV2 = try fixture.commit("deploy v2", [:])

        let repository = try GitRepository(containing: fixture.root.path)
        #expect(try repository.repositoryPath(of: fixture.path("current/flows")) == "current/flows", "links inside the tree are kept")
        let atV1 = try repository.commit("HEAD~1").id
        let main = try #require(try repository.file(at: "current/flows/main.yml", in: atV1))
        #expect(String(decoding: main, as: UTF8.self) == Self.flow("{from: , to: A}"))
        #expect(try repository.files(under: "current/flows", in: atV1, include: ConfigurationPaths.isFlowFileName).map(\.path)
                == ["current/flows/b.yml", "current/flows/linked.yml", "current/flows/main.yml"])
        let paths = ConfigurationPaths(nodesFile: "current/nodes.yml", flowPaths: ["current/flows"])
        #expect(try repository.commitsChanging(paths, from: repository.commit("HEAD").id).map(\.id.hex) == [deployV2, deployV1],
                "preparing v2 did not change what 'current' selects")

        // The staged link is followed too.
        let staged = try #require(try repository.indexFile(at: "current/flows/main.yml"))
        #expect(String(decoding: staged, as: UTF8.self) == Self.flow("{from: , to: B}"))
        #expect(try repository.indexFiles(under: "current/flows", include: ConfigurationPaths.isFlowFileName).map(\.path) == ["current/flows/main.yml"])

        // A link out of the repository is an error, not a missing file.
        try FileManager.default.createSymbolicLink(atPath: fixture.path("outside"), withDestinationPath: "/etc")
        try fixture.commit("link out", [:])
        let error = #expect(throws: GitError.self) { try repository.file(at: "outside/hostname", in: repository.commit("HEAD").id) }
        #expect(error?.kind == .outsideRepository)
    }

    @Test func aLinkGitDoesNotTrackIsResolved() throws {
        // A local convenience link has no history: read as written, everything behind it would
        // look new at every revision (rebase through such a link once dropped every migration).
        let fixture = try GitFixture()
        try fixture.commit("v1", ["conf/nodes.yml": Self.nodes, "conf/flows/main.yml": Self.flow("{from: , to: A}")])
        try FileManager.default.createSymbolicLink(atPath: fixture.path("cfg"), withDestinationPath: "conf")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("conf/alias"), withDestinationPath: "flows")
        let repository = try GitRepository(containing: fixture.root.path)
        #expect(try repository.repositoryPath(of: fixture.path("cfg/flows")) == "conf/flows")
        #expect(try repository.repositoryPath(of: fixture.path("cfg/alias/main.yml")) == "conf/flows/main.yml")
        #expect(try repository.repositoryPath(of: fixture.path("cfg")) == "conf")
        // Committed, the link is what git records, and is kept — also behind an untracked one.
        try fixture.commit("link", [:])
        #expect(try repository.repositoryPath(of: fixture.path("cfg/flows")) == "cfg/flows")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("local"), withDestinationPath: "cfg")
        #expect(try repository.repositoryPath(of: fixture.path("local/flows/main.yml")) == "cfg/flows/main.yml")
        // Untracked and leading out of the repository: an error that names the link.
        try FileManager.default.createSymbolicLink(atPath: fixture.path("elsewhere"), withDestinationPath: "/tmp")
        let error = #expect(throws: GitError.self) { try repository.repositoryPath(of: fixture.path("elsewhere/x")) }
        #expect(error?.kind == .outsideRepository && error?.message.contains("the link elsewhere, which git does not track") == true,
                "\(String(describing: error))")
    }

    @Test func linksToDirectoriesInAFlowDirectoryAreEnteredAsSelinonWalksThem() throws {
        // selinon-cli walks flow directories with os.walk(followlinks=True): a linked directory's
        // files are flow files too, at every revision, in the index and on disk alike.
        let fixture = try GitFixture()
        try fixture.directory.write("a", to: "flows/a.yml")
        try fixture.directory.write("shared", to: "shared/s.yml")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("flows/shared"), withDestinationPath: "../shared")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("shared/loop"), withDestinationPath: "../flows")
        // A link to itself is skipped at revisions; on disk it is an error (workers would fail on it).
        try FileManager.default.createSymbolicLink(atPath: fixture.path("flows/self.yml"), withDestinationPath: "self.yml")
        try fixture.commit("flows with a linked directory", ["nodes.yml": Self.nodes])
        try fixture.commit("change the linked file", ["shared/s.yml": "shared, changed"])
        try fixture.commit("docs", ["shared/README.md": "not a flow file"])

        let repository = try GitRepository(containing: fixture.root.path)
        let expected = ["flows/a.yml", "flows/shared/s.yml"]
        #expect(try repository.files(under: "flows", in: repository.commit("HEAD").id, include: ConfigurationPaths.isFlowFileName)
            .map(\.path) == expected)
        #expect(try repository.indexFiles(under: "flows", include: ConfigurationPaths.isFlowFileName).map(\.path) == expected)
        let onDiskSource = FileSystemConfigurationSource(nodesFile: fixture.path("nodes.yml"), flowPaths: [fixture.path("flows")])
        // On disk, the link back up is an error too: selinon-cli would walk it without end.
        let loop = #expect(throws: ConfigurationError.self) { try onDiskSource.flowFiles() }
        #expect(loop?.diagnostics.map(\.location.file) == [fixture.path("flows/self.yml"), fixture.path("flows/shared/loop")])
        try FileManager.default.removeItem(atPath: fixture.path("flows/self.yml"))
        try FileManager.default.removeItem(atPath: fixture.path("shared/loop"))
        #expect(try onDiskSource.flowFiles() == expected.map { fixture.path($0) })
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        #expect(try repository.commitsChanging(paths, from: repository.commit("HEAD").id).map(\.summary)
            == ["change the linked file", "flows with a linked directory"])
    }

    /// A configuration directory linked out of the working tree: git searches from where the link
    /// leads and finds no repository; the error names the link instead of "not in a repository".
    @Test func aDirectoryLinkedOutOfTheWorkingTreeIsNamed() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["README": "x"])
        let shared = try TemporaryDirectory()
        try shared.write(Self.nodes, to: "config/nodes.yml")
        try FileManager.default.createSymbolicLink(atPath: fixture.path("config"), withDestinationPath: shared.path("config"))
        let error = #expect(throws: GitError.self) { try GitRepository(containing: fixture.path("config/nodes.yml"), environment: [:]) }
        #expect(error?.kind == .outsideRepository)
        #expect(error?.message.contains("leads through \(fixture.path("config")), a symbolic link to \(shared.path("config")), outside the "
            + "repository at \(fixture.root.path)") == true, "\(error?.message ?? "")")
        // A path with no repository anywhere is still only that.
        let plain = #expect(throws: GitError.self) { try GitRepository(containing: shared.path("config/nodes.yml"), environment: [:]) }
        #expect(plain?.kind == .notARepository)
    }

    @Test func gitDirWorkTreeAndIndexFileAreHonouredAsGitHonoursThem() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try fixture.commit("two", ["flows/main.yml": Self.flow("{from: , to: B}")])
        // Another checkout, of an older commit, whose own repository git is told to bypass.
        let other = try GitFixture()
        try other.commit("elsewhere", ["nodes.yml": Self.nodes, "flows/main.yml": "other"])
        let environment = ["GIT_DIR": fixture.path(".git"), "GIT_WORK_TREE": other.root.path]
        let repository = try GitRepository(containing: other.path("flows/main.yml"), environment: environment)
        #expect(repository.workingDirectory == other.root.path)
        #expect(try repository.commit("HEAD").summary == "two")
        #expect(try repository.repositoryPath(of: other.path("flows")) == "flows")

        // GIT_INDEX_FILE (set by `git commit -a` for its hooks): that index is read.
        try fixture.directory.write(Self.flow("{from: , to: A}, {from: A, to: B}"), to: "flows/main.yml")
        try fixture.git("read-tree", "HEAD")
        try fixture.run(["update-index", "--add", "flows/main.yml"])
        try FileManager.default.copyItem(atPath: fixture.path(".git/index"), toPath: fixture.path("staged-index"))
        try fixture.git("reset", "-q")
        let plain = try GitRepository(containing: fixture.path("nodes.yml"), environment: [:])
        #expect(try plain.indexFile(at: "flows/main.yml").map { String(decoding: $0, as: UTF8.self) } == Self.flow("{from: , to: B}"))
        let hooked = try GitRepository(containing: fixture.path("nodes.yml"), environment: ["GIT_INDEX_FILE": fixture.path("staged-index")])
        #expect(try hooked.indexFile(at: "flows/main.yml").map { String(decoding: $0, as: UTF8.self) }
            == Self.flow("{from: , to: A}, {from: A, to: B}"))

        let missing = #expect(throws: GitError.self) {
            try GitRepository(containing: fixture.path("nodes.yml"), environment: ["GIT_DIR": fixture.path("nope")])
        }
        #expect(missing?.kind == .notARepository)

        // A bare repository named by GIT_DIR (a server-side hook) has no working tree, as in git: refused, not read as one.
        let bare = try TemporaryDirectory()
        _ = try fixture.git("clone", "-q", "--bare", fixture.root.path, bare.path("mirror.git"))
        let mirror = try GitRepository(containing: fixture.path("nodes.yml"), environment: ["GIT_DIR": bare.path("mirror.git")])
        #expect(mirror.workingDirectory == nil)
        let refused = #expect(throws: GitError.self) { try mirror.repositoryPath(of: fixture.path("nodes.yml")) }
        #expect(refused?.message.contains("is bare (it has no working tree)") == true, "\(refused?.message ?? "")")

        // A repository of its own inside the working tree (a submodule, seen from the superproject's
        // hook): its files are not this repository's, which records only a commit id there.
        let nested = try GitFixture()
        try nested.commit("sub", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try FileManager.default.moveItem(at: nested.root, to: fixture.root.appendingPathComponent("deploy"))
        let outer = try GitRepository(containing: fixture.path("deploy/nodes.yml"),
                                      environment: ["GIT_DIR": fixture.path(".git"), "GIT_WORK_TREE": fixture.root.path])
        let inside = #expect(throws: GitError.self) { try outer.repositoryPath(of: fixture.path("deploy/flows")) }
        #expect(inside?.kind == .outsideRepository)
        #expect(inside?.message.contains("is inside deploy, a repository of its own (a submodule?)") == true, "\(inside?.message ?? "")")
        #expect(try outer.repositoryPath(of: fixture.path("flows")) == "flows")
    }

    @Test func unstagedChangesAreWhatTheIndexDoesNotHold() throws {
        let fixture = try GitFixture()
        try fixture.commit("one", ["nodes.yml": Self.nodes, "flows/a.yml": Self.flow("{from: , to: A}"),
                                   "flows/b.yml": Self.flow("{from: , to: B}"), "flows/c.yml": Self.flow("{from: , to: A}")])
        let repository = try GitRepository(containing: fixture.path("nodes.yml"), environment: [:])
        #expect(try repository.unstagedChanges(under: ["nodes.yml", "flows"]).isEmpty)
        try fixture.directory.write(Self.flow("{from: , to: B}"), to: "flows/a.yml")
        try fixture.directory.write(Self.flow("{from: , to: B}"), to: "flows/new.yml")
        try FileManager.default.removeItem(atPath: fixture.path("flows/b.yml"))
        // A sparse checkout leaves c.yml out of the working tree: not a deletion.
        try fixture.git("update-index", "--skip-worktree", "flows/c.yml")
        try FileManager.default.removeItem(atPath: fixture.path("flows/c.yml"))
        #expect(try repository.unstagedChanges(under: ["flows"]) == [
            UnstagedChange(path: "flows/a.yml", kind: .modified), UnstagedChange(path: "flows/b.yml", kind: .deleted),
            UnstagedChange(path: "flows/new.yml", kind: .untracked),
        ])
        // Paths are literal: a pattern matches nothing.
        #expect(try repository.unstagedChanges(under: ["flows/*.yml"]).isEmpty)
        try fixture.git("add", "flows/a.yml", "flows/new.yml")
        #expect(try repository.unstagedChanges(under: ["flows"]) == [UnstagedChange(path: "flows/b.yml", kind: .deleted)])
    }

    @Test func aPathMissingFromTheWorkingTreeIsStillFoundInItsRepository() throws {
        // A sparse checkout without the configuration's directory: revisions still hold it.
        let fixture = try GitFixture()
        try fixture.commit("one", ["conf/nodes.yml": Self.nodes, "conf/flows/main.yml": Self.flow("{from: , to: A}")])
        try FileManager.default.removeItem(atPath: fixture.path("conf"))
        let repository = try GitRepository(containing: fixture.path("conf/nodes.yml"), environment: [:])
        #expect(try repository.file(at: "conf/nodes.yml", in: repository.commit("HEAD").id) != nil)
    }

    @Test func aShallowCloneSaysHowToFetchTheMissingHistory() throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes, "flows/main.yml": Self.flow("{from: , to: A}")])
        try fixture.commit("docs", ["README.md": "hello"])
        let clone = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "clone", "-q", "--depth", "1", "file://" + fixture.root.path, clone.path("shallow")]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let repository = try GitRepository(containing: clone.path("shallow"))
        let paths = ConfigurationPaths(nodesFile: "nodes.yml", flowPaths: ["flows"])
        let error = #expect(throws: GitError.self) { try repository.newestCommitChanging(paths, from: repository.commit("HEAD").id) }
        #expect(error?.kind == .shallowHistory)
        #expect(error?.message.contains("git fetch --unshallow") == true)
        // A revision named explicitly that the clone cut off gets the same advice.
        // (History not fetched, as for the walk above: exit 2 for the CLI, not a typo's exit 1.)
        let named = #expect(throws: GitError.self) { try repository.commit("HEAD~1") }
        #expect(named?.kind == .shallowHistory)
        #expect(named?.message.hasPrefix("unknown revision 'HEAD~1' (this is a shallow clone") == true)
        // A branch of the remote that the clone did not fetch (a CI checkout of one commit) is
        // named with the fetch that brings it.
        let branch = #expect(throws: GitError.self) { try repository.commit("origin/release") }
        #expect(branch?.kind == .shallowHistory)
        #expect(branch?.message.hasPrefix("unknown revision 'origin/release': branch release of the remote origin has not been "
            + "fetched into this clone: git fetch origin release (this is a shallow clone") == true, "\(branch?.message ?? "")")
    }

    @Test(arguments: ["main..HEAD", "^HEAD", "HEAD^{nonsense}", String(repeating: "x", count: 300)])
    func aRevisionThatIsNotOneCommitIsAnInputError(_ revision: String) throws {
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes])
        let repository = try GitRepository(containing: fixture.root.path)
        let error = #expect(throws: GitError.self) { try repository.commit(revision) }
        #expect(error?.kind == .unknownRevision, "\(error?.message ?? "")")
    }

    @Test func threeDotsNameTheMergeBaseAsGitReadsThem() throws {
        let fixture = try GitFixture()
        let base = try fixture.commit("config", ["config/nodes.yml": Self.nodes])
        let branchName = try fixture.git("rev-parse", "--abbrev-ref", "HEAD")
        try fixture.git("branch", "-q", "feature")
        try fixture.commit("main moves on", ["README.md": "main"])
        try fixture.git("checkout", "-q", "feature")
        try fixture.commit("feature work", ["NOTES.md": "feature"])
        let repository = try GitRepository(containing: fixture.root.path)
        #expect(try repository.commit("\(branchName)...feature").id.hex == base)
        #expect(try repository.commit("\(branchName)...").id.hex == base, "an empty side is HEAD")
        try fixture.git("checkout", "-q", "--orphan", "unrelated")
        try fixture.commit("unrelated", ["other.md": "x"])
        let unrelated = #expect(throws: GitError.self) { try repository.commit("feature...unrelated") }
        #expect(unrelated?.message.contains("share no history") == true, "\(unrelated?.message ?? "")")
    }

    @Test func aMessageSearchMayHoldDots() throws {
        let fixture = try GitFixture()
        let release = try fixture.commit("release 1.2..1.3 notes", ["config/nodes.yml": Self.nodes])
        try fixture.commit("docs", ["README.md": "hello"])
        let repository = try GitRepository(containing: fixture.root.path)
        #expect(try repository.commit(":/release 1.2..1.3").id.hex == release)
        #expect(try repository.commit("HEAD^{/1.2..1.3}").id.hex == release)
        let range = #expect(throws: GitError.self) { try repository.commit("HEAD~1..:/docs") }
        #expect(range?.message.contains("is a range") == true)
    }

    @Test func aRepositoryOfAnotherUserIsRefusedWithTheCommandThatTrustsIt() throws {
        // Needs root to hand the repository to another user (CI runs as root).
        guard geteuid() == 0 else { return }
        let fixture = try GitFixture()
        try fixture.commit("config", ["nodes.yml": Self.nodes])
        #expect(chown(fixture.path(".git"), 65534, 65534) == 0)
        let error = #expect(throws: GitError.self) { try GitRepository(containing: fixture.path("nodes.yml")) }
        #expect(error?.kind == .untrustedOwner)
        #expect(error?.message.contains("git config --global --add safe.directory \(fixture.root.path)") == true)
        // Only the working tree of another user (the .git directory is ours): refused the same way.
        #expect(chown(fixture.path(".git"), 0, 0) == 0)
        #expect(chown(fixture.root.path, 65534, 65534) == 0)
        let treeOnly = #expect(throws: GitError.self) { try GitRepository(containing: fixture.path("nodes.yml")) }
        #expect(treeOnly?.kind == .untrustedOwner, "\(treeOnly?.message ?? "")")

        // Trusted as git trusts it: safe.directory from GIT_CONFIG_GLOBAL (which `git config --global`
        // then writes to), '*', GIT_CONFIG_COUNT's pairs; an empty value clears those before it.
        let settings = try TemporaryDirectory()
        func environment(_ values: [String]) throws -> [String: String] {
            let file = try settings.write("[safe]\n" + values.map { "\tdirectory = \($0)\n" }.joined(), to: "gitconfig")
            return ["GIT_CONFIG_GLOBAL": file, "GIT_CONFIG_NOSYSTEM": "1", "HOME": settings.url.path]
        }
        for values in [[fixture.root.path], ["*"], ["/elsewhere", "*"]] {
            let trusted = try GitRepository(containing: fixture.path("nodes.yml"), environment: try environment(values))
            #expect(trusted.workingDirectory == fixture.root.path, "\(values)")
        }
        for values in [["/elsewhere"], [fixture.root.path + "/"], ["*", ""], []] {
            let refused = #expect(throws: GitError.self, "\(values)") {
                try GitRepository(containing: fixture.path("nodes.yml"), environment: try environment(values))
            }
            #expect(refused?.kind == .untrustedOwner)
        }
        var pairs = try environment([])
        pairs.merge(["GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "x",
                     "GIT_CONFIG_KEY_1": "safe.directory", "GIT_CONFIG_VALUE_1": fixture.root.path]) { _, new in new }
        #expect(try GitRepository(containing: fixture.path("nodes.yml"), environment: pairs).workingDirectory == fixture.root.path)
        #expect(chown(fixture.root.path, 0, 0) == 0)
    }
}
