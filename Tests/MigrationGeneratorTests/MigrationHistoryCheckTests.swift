import FlowConfig
import FlowMigration
import MigrationGenerator
import Testing

/// The history check on the example's four versions and its three migrations.
struct MigrationHistoryCheckTests {
    /// The versions as revisions `rev1`, `rev2`, …; with `workingTree`, the last one is the working tree's.
    static func states(_ versions: [Int], workingTree: Bool = false) throws -> [MigrationHistoryCheck.State] {
        try versions.map { version in
            let isWorkingTree = workingTree && version == versions.last
            return .init(label: "v\(version)", configuration: try ExampleMigrationsTests.configuration(version),
                         revision: isWorkingTree ? nil : "rev\(version)")
        }
    }

    static func migrations() throws -> [Migration] {
        try MigrationDirectory.load(from: ExampleMigrationsTests.root.appendingPathComponent("migrations").path).migrations
    }

    @Test func theExampleMigrationsMatchTheirChanges() throws {
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: try Self.migrations())
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.map { "\($0.version): \($0.from) → \($0.to)" } == ["1: v1 → v2", "2: v2 → v3", "3: v3 → v4"])
    }

    /// A branch's migrations landed as one commit (merged with --no-ff, or squashed): the history
    /// holds v1 and v3 only, and 1.json and 2.json together cover that change.
    @Test func migrationsOfABranchLandedAsOneCommitCoverItTogether() throws {
        let migrations = try Self.migrations()
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 3, 4]), migrations: migrations)
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.map { "\($0.version): \($0.from) → \($0.to)" } == ["1: v1 → v3", "2: v1 → v3", "3: v3 → v4"])
        // A chain that ends where the history does not go (v3 here, v4 there) moves other edges: no match.
        let elsewhere = MigrationHistoryCheck.check(states: try Self.states([1, 4]), migrations: Array(migrations[0...1])).findings
        #expect(!elsewhere.isEmpty)
    }

    /// Not where the history holds a change in between that needed a migration (main changed
    /// a flow while the branch was open): flows ran it, and the branch's files would move their
    /// edges as if they ran the configuration before it.
    @Test func migrationsOfABranchDoNotCoverAChangeMadeInBetween() throws {
        let migrations = try Self.migrations()
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 4, 3]), migrations: Array(migrations[0...1]))
        #expect(!matches.contains { $0.from == "v1" && $0.to == "v3" }, "\(matches)")
        #expect(findings.contains { $0.kind == .uncovered && $0.message.hasPrefix("v4 changed") }, "\(findings)")
    }

    /// Two files renamed into each other's numbers (and rehashed): named as swapped, with the
    /// restore that fixes it — not as a change without a migration to generate and renumber.
    @Test func swappedMigrationsAreNamedAsSwapped() throws {
        var migrations = try Self.migrations()
        migrations.swapAt(1, 2)
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: migrations)
        #expect(matches.isEmpty)
        #expect(findings.map(\.kind) == [.outOfOrder] && findings.first?.version == 2, "\(findings)")
        #expect(findings.first?.message.hasPrefix("2.json and 3.json are swapped") == true, "\(findings)")
        #expect(findings.first?.hint.contains("put them back in order") == true)
    }

    @Test func anEditedMigrationDoesNotMatch() throws {
        var migrations = try Self.migrations()
        migrations[1].flows["licence_analysis_flow"]?.translation[3] = 4
        let findings = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: migrations).findings
        #expect(findings.map(\.kind) == [.mismatch])
        #expect(findings.first?.message == "2.json does not match the change v2 → v3 it was generated for (flows: licence_analysis_flow)")
        // The hint gives the command that prints what the file should be.
        #expect(findings.first?.hint.contains(#"what it should be: selinon-migrate generate --dry-run --from rev2 --to rev3 -n NODES -f FLOWS -m "$(mktemp -d)" > 2.json.expected"#) == true,
                "\(findings.first?.hint ?? "")")
    }

    @Test func aChangeWithoutMigrationNamesTheCommandForIt() throws {
        let migrations = try Self.migrations()
        let committed = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3]), migrations: [migrations[0]]).findings
        #expect(committed.map(\.kind) == [.uncovered])
        #expect(committed.first?.hint.contains("selinon-migrate generate --from rev2 --to rev3 -n NODES -f FLOWS") == true, "\(committed)")
        // Missing before an existing migration: the steps that put it in its place.
        let before = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3]), migrations: [migrations[1]]).findings
        #expect(before.map(\.kind) == [.uncovered])
        #expect(before.first?.hint.contains("move 1.json out of the directory, run selinon-migrate rehash, run selinon-migrate generate "
            + "--from rev1 --to rev2 -n NODES -f FLOWS (it becomes 1.json), move the files back numbered after it (1.json as 2.json, …)") == true,
                "\(before)")
        // Two changes missing before the same migration: the steps once, then what the second needs.
        let twoBefore = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: [migrations[2]]).findings
        #expect(twoBefore.map(\.kind) == [.uncovered, .uncovered], "\(twoBefore)")
        #expect(twoBefore.first?.hint.contains("move 1.json out of the directory") == true, "\(twoBefore)")
        // Two go before it: it moves back two numbers up.
        #expect(twoBefore.first?.hint.contains("(it becomes 1.json) and the other missing ones below, in order, move the files back "
            + "numbered after them (1.json as 3.json, …)") == true, "\(twoBefore)")
        #expect(twoBefore.last?.hint == "not migrated either: in the same steps as above, generate its migration right after that one, "
            + "before the files moved out (selinon-migrate generate --from rev2 --to rev3 -n NODES -f FLOWS)", "\(twoBefore)")
        let uncommitted = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3], workingTree: true), migrations: [migrations[0]]).findings
        #expect(uncommitted.first?.hint == "run selinon-migrate generate -n NODES -f FLOWS to migrate the working tree's change", "\(uncommitted)")
    }

    /// A file without digests (Selinon's own) for a change that follows one no migration covered
    /// is found by its effect from the configuration just before its change, not only from where
    /// the migrations before it lead.
    @Test func aFileWithoutDigestsAfterAnUncoveredChangeIsFoundByItsEffect() throws {
        var second = try Self.migrations()[1]
        second.metadata = nil
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3]), migrations: [second])
        #expect(matches.map { "\($0.version): \($0.from) → \($0.to)" } == ["1: v2 → v3"], "\(findings)")
        #expect(findings.map(\.kind) == [.uncovered] && findings.first?.message.hasPrefix("v2 changed") == true, "\(findings)")
    }

    /// Found by its effect only where one change has it: a change reverted and made again (v3 → v4
    /// twice, the first without a migration) leaves the file unmatched rather than matched to
    /// the wrong commit (whose hint would have a copy of it generated).
    @Test func aFileWithoutDigestsMatchingTwoChangesIsNotGuessed() throws {
        var (first, third) = (try Self.migrations()[0], try Self.migrations()[2])
        first.metadata = nil
        third.metadata = nil
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4, 3, 4]), migrations: [first, third])
        #expect(matches.map { "\($0.version): \($0.from) → \($0.to)" } == ["1: v1 → v2"], "\(findings)")
        #expect(findings.first?.kind == .unmatched && findings.first?.version == 2, "\(findings)")
    }

    @Test func aChangeWithoutMigrationAndAMigrationGeneratedTwice() throws {
        let migrations = try Self.migrations()
        let (_, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: [migrations[0], migrations[0], migrations[2]])
        #expect(findings.map(\.kind) == [.duplicate, .uncovered])
        #expect(findings[0].message == "2.json migrates v1 → v2, as 1.json already does: generated twice")
        #expect(findings[1].message == "v3 changed licence_analysis_flow, package_analysis_flow with no migration")
    }

    @Test func migrationsOutOfOrderAreFound() throws {
        // The first migration moved to the end (and the sum rehashed): it matches a change the
        // migrations before it have passed already.
        let migrations = try Self.migrations()
        let findings = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: [migrations[1], migrations[2], migrations[0]])
            .findings
        #expect(findings.contains { $0.kind == .outOfOrder && $0.version == 3 }, "\(findings)")
        #expect(findings.first { $0.kind == .outOfOrder }?.message.hasPrefix("3.json migrates v1 → v2, but the migrations before it already lead to v4") == true,
                "\(findings)")
        #expect(!findings.contains { $0.message.contains("swapped") }, "no two adjacent files are in each other's place")
    }

    @Test func aBranchMigrationMergedWithOtherChangesMatchesByItsEffect() throws {
        // main changed a condition (no migration needed) while a branch added an edge with its
        // migration; the merge brings both, so the branch's digests are not in main's history.
        func make(_ edges: [String]) throws -> Configuration { try TestConfiguration.make(["flow1": edges]) }
        let base = try make(["> A", "A > B | argsFieldExist:x"])
        let branch = try make(["> C", "> A", "A > B | argsFieldExist:x"])
        let conditionChanged = try make(["> A", "A > B | argsFieldExist:y"])
        let merged = try make(["> C", "> A", "A > B | argsFieldExist:y"])
        var migration = MigrationDiffer().plan(from: base, to: branch, strategy: .ignore).migration
        migration.metadata = .object(["digests": .object(["old": .string(StructureDigest.digest(of: base)),
                                                          "new": .string(StructureDigest.digest(of: branch))])])
        let states: [MigrationHistoryCheck.State] = [.init(label: "base", configuration: base),
                                                     .init(label: "condition", configuration: conditionChanged),
                                                     .init(label: "merge", configuration: merged)]
        let (matches, findings) = MigrationHistoryCheck.check(states: states, migrations: [migration])
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.map { "\($0.from) → \($0.to)" } == ["base → merge"])
    }

    /// Two branch migrations matched together by their composed effect (main changed a condition
    /// meanwhile): the added edges they record count too, so a file whose `tainting_nodes` was
    /// edited does not pass for the branch's change.
    @Test func aGroupMatchedByItsEffectComparesItsAddedEdgesToo() throws {
        func make(_ edges: [String]) throws -> Configuration { try TestConfiguration.make(["flow1": edges]) }
        let base = try make(["> A", "A > B | argsFieldExist:x"])
        let first = try make(["> C", "> A", "A > B | argsFieldExist:x"])
        let second = try make(["> C", "> A", "A > B | argsFieldExist:x", "B > D"])
        let conditionChanged = try make(["> A", "A > B | argsFieldExist:y"])
        let merged = try make(["> C", "> A", "A > B | argsFieldExist:y", "B > D"])
        func migration(_ old: Configuration, _ new: Configuration) -> Migration {
            var migration = MigrationDiffer().plan(from: old, to: new, strategy: .ignore).migration
            migration.metadata = .object(["digests": .object(["old": .string(StructureDigest.digest(of: old)),
                                                              "new": .string(StructureDigest.digest(of: new))])])
            return migration
        }
        let states: [MigrationHistoryCheck.State] = [.init(label: "base", configuration: base),
                                                     .init(label: "condition", configuration: conditionChanged),
                                                     .init(label: "merge", configuration: merged)]
        let migrations = [migration(base, first), migration(first, second)]
        #expect(!migrations[1].flows["flow1"]!.taintingNodes.isEmpty)
        let (matches, findings) = MigrationHistoryCheck.check(states: states, migrations: migrations)
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.map { "\($0.version): \($0.from) → \($0.to)" } == ["1: base → merge", "2: base → merge"])
        var edited = migrations
        edited[1].flows["flow1"]?.taintingNodes = [:]
        #expect(!MigrationHistoryCheck.check(states: states, migrations: edited).findings.isEmpty, "an edit of tainting_nodes is found")
    }

    /// main appended a starting edge (no migration needed) while a branch inserted an edge with its
    /// migration from before that: in-flight flows of main's configuration hold the appended
    /// edge, which the branch's file does not move. Found, with the migration it should be.
    @Test func aConfigurationInBetweenThatNeededNoMigrationMustFitTheFileToo() throws {
        func make(_ edges: [String]) throws -> Configuration { try TestConfiguration.make(["flow1": edges]) }
        let base = try make(["> A", "A > B", "A > C"])
        let appended = try make(["> A", "A > B", "A > C", "> D"])
        let branch = try make(["> A", "A > E", "A > B", "A > C"])
        let merged = try make(["> A", "A > E", "A > B", "A > C", "> D"])
        var migration = MigrationDiffer().plan(from: base, to: branch, strategy: .ignore).migration
        migration.metadata = .object(["digests": .object(["old": .string(StructureDigest.digest(of: base)),
                                                          "new": .string(StructureDigest.digest(of: branch))])])
        let states: [MigrationHistoryCheck.State] = [.init(label: "base", configuration: base, revision: "r1"),
                                                     .init(label: "appended", configuration: appended, revision: "r2"),
                                                     .init(label: "merge", configuration: merged, revision: "r3")]
        let findings = MigrationHistoryCheck.check(states: states, migrations: [migration]).findings
        #expect(findings.map(\.kind) == [.mismatch], "\(findings)")
        #expect(findings.first?.message == "1.json migrates base → merge, but in between, appended changed the flows without a migration, "
            + "and in-flight flows may run it: 1.json does not fit them")
        #expect(findings.first?.hint.contains("generate --dry-run --from r2 --to r3") == true)
        // The file generated from there fits both.
        var fitting = MigrationDiffer().plan(from: appended, to: merged, strategy: .ignore).migration
        fitting.metadata = .object(["digests": .object(["old": .string(StructureDigest.digest(of: appended)),
                                                        "new": .string(StructureDigest.digest(of: merged))])])
        #expect(MigrationHistoryCheck.check(states: states, migrations: [fitting]).findings.isEmpty)
    }

    /// A file generated from another configuration than the one before it can remove a flow
    /// that configuration has (it was added meanwhile): its effect on edges matches, its
    /// `_meta.edge_counts` does not.
    @Test func aMigrationRemovingAFlowTheChangeKeepsDoesNotMatch() throws {
        let base = try TestConfiguration.make(["flow1": ["> A", "A > B"]])
        let withEcho = try TestConfiguration.make(["flow1": ["> A", "A > B"], "echo": ["> E"]])
        let merged = try TestConfiguration.make(["flow1": ["> A", "A > C", "A > B"], "echo": ["> E"]])
        var migration = MigrationDiffer().plan(from: base, to: try TestConfiguration.make(["flow1": ["> A", "A > C", "A > B"]]),
                                               strategy: .ignore).migration
        migration.metadata = .object(["edge_counts": .object([
            "flow1": .object(["old": .number(JSONNumber(2)), "new": .number(JSONNumber(3))]),
            "echo": .object(["old": .number(JSONNumber(1))]),
        ])])
        let states: [MigrationHistoryCheck.State] = [.init(label: "base", configuration: base),
                                                     .init(label: "echo added", configuration: withEcho),
                                                     .init(label: "merge", configuration: merged)]
        let findings = MigrationHistoryCheck.check(states: states, migrations: [migration]).findings
        #expect(findings.contains { $0.message.contains("it removes 'echo', which this change does not remove") }, "\(findings)")
    }

    @Test func oneMigrationMayCoverSeveralCommits() throws {
        // States v1, v2, v3 with a single migration generated from v1 to v3.
        let old = try ExampleMigrationsTests.configuration(1), new = try ExampleMigrationsTests.configuration(3)
        var migration = MigrationDiffer().plan(from: old, to: new, strategy: .retry).migration
        migration.metadata = .object(["digests": .object(["old": .string(StructureDigest.digest(of: old)), "new": .string(StructureDigest.digest(of: new))])])
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3]), migrations: [migration])
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.first?.from == "v1" && matches.first?.to == "v3")
    }

    @Test func withoutMetadataMigrationsAreMatchedByEffect() throws {
        let migrations = try Self.migrations().map { migration in
            var stripped = migration
            stripped.metadata = nil
            return stripped
        }
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: migrations)
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.count == 3)
    }

    /// Selinon's generator writes an empty entry for every flow after the first changed one (D-3):
    /// files it wrote match their changes all the same, and an edit among them is still found.
    @Test func selinonsEmptyEntriesChangeNothing() throws {
        let configuration = try ExampleMigrationsTests.configuration(1)
        var migrations = try Self.migrations().map { migration in
            var selinons = migration
            selinons.metadata = nil
            for name in configuration.flows.keys where selinons.flows[name] == nil { selinons.flows[name] = EdgeMigration() }
            return selinons
        }
        #expect(migrations[0].flows.count > migrations[0].changedFlows.count)
        let (matches, findings) = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: migrations)
        #expect(findings.isEmpty, "\(findings)")
        #expect(matches.map { "\($0.version): \($0.from) → \($0.to)" } == ["1: v1 → v2", "2: v2 → v3", "3: v3 → v4"])
        migrations[1].flows["licence_analysis_flow"]?.translation[3] = 4
        let edited = MigrationHistoryCheck.check(states: try Self.states([1, 2, 3, 4]), migrations: migrations).findings
        #expect(edited.first?.kind == .unmatched && edited.first?.version == 2, "\(edited)")
    }
}
