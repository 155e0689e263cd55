import FlowConfig
import FlowMigration

/// Proves a migration directory consistent with the history of the configuration: every
/// migration is matched to the configuration change it was generated for (by the digests in its
/// `_meta`, else by its effect) and re-derived; every change that needs a migration must be
/// covered by one. Pure: the caller reads the history (for example from git).
public enum MigrationHistoryCheck {
    /// The configuration as it was at one point of the history.
    public struct State: Sendable {
        /// Where it comes from, for messages: `1a2b3c4d (add the SBOM flow)`, `working tree`.
        public var label: String
        public var configuration: Configuration
        /// The revision for a command (`1a2b3c4d`); nil for the working tree.
        public var revision: String?
        /// What to do about a change to this state that no migration covers, when the caller
        /// knows better than generating one (a merge that dropped the other side's migrations).
        public var uncoveredHint: String?
        /// Whether the commit added migration files (since renumbered or replaced, perhaps: a
        /// branch's own, regenerated after the main branch's it merged).
        public var addedMigrations: Bool

        public init(label: String, configuration: Configuration, revision: String? = nil, uncoveredHint: String? = nil,
                    addedMigrations: Bool = false) {
            self.label = label
            self.configuration = configuration
            self.revision = revision
            self.uncoveredHint = uncoveredHint
            self.addedMigrations = addedMigrations
        }
    }

    /// A migration matched to the change it covers.
    public struct Match: Sendable, Equatable {
        public var version: Int
        /// Labels of the states it migrates between.
        public var from: String
        public var to: String
    }

    /// Something that does not fit.
    public struct Finding: Sendable, Equatable {
        /// What kind of inconsistency was found.
        public enum Kind: String, Sendable {
            /// A migration that differs from a re-derivation of the change it was generated for.
            case mismatch
            /// A migration whose configurations are not in the history.
            case unmatched
            /// A configuration change that needs a migration and has none.
            case uncovered
            /// A migration that covers the same change as an earlier one.
            case duplicate
            /// A migration that starts from a configuration the migrations before it already
            /// moved away from: generated from the wrong base, or renumbered out of order.
            case outOfOrder = "out-of-order"
        }

        public var kind: Kind
        public var version: Int?
        public var message: String
        public var hint: String
    }

    /// Checks `migrations` (in version order) against `states` (oldest first).
    /// `continuities` are pairs of structure digests ("A B") of configurations that differ only in
    /// what needs no migration (a condition changed, a flow added between two migrations of a
    /// branch): a migration that starts at B continues one that ends at A, in a group.
    public static func check(states: [State], migrations: [Migration],
                             continuities: Set<String> = []) -> (matches: [Match], findings: [Finding]) {
        // Two files swapped (renamed into each other's numbers, then rehashed): each starts where
        // the other ends. Said as such, first — what the walk below makes of them (a change
        // without a migration, a file out of order) would send the user to generate and renumber.
        let swapped = swappedPairs(migrations)
        if !swapped.isEmpty {
            return ([], swapped.map { first in
                Finding(kind: .outOfOrder, version: first + 1,
                        message: "\(first + 1).json and \(first + 2).json are swapped: \(first + 2).json migrates to the configuration "
                            + "\(first + 1).json starts from (their _meta digests), so each would move edges of flows it does not fit",
                        hint: "put them back in order: rename them back and run selinon-migrate rehash, or restore both and the sum "
                            + "from a commit that has them in order (git log -- the migration directory finds it); then run verify --git again")
            })
        }
        let digests = states.map { StructureDigest.digest(of: $0.configuration) }
        let revisions = states.map(\.revision)
        var matches: [Match] = [], findings: [Finding] = []
        var intervals: [(version: Int, from: Int, to: Int)] = []
        var position = 0
        // Migrations matched together with an earlier one, as a group (skipped by the loop).
        var groupedThrough = -1
        for (offset, migration) in migrations.enumerated() where offset > groupedThrough {
            let version = offset + 1
            // Generated one by one on a branch that reached this history as one commit (a merge
            // with --no-ff, a squash): together they cover that commit's change.
            // (Not over a change of this history in between that needed a migration and got none: flows ran
            // it, and the branch's files would move their edges as if they ran the configuration before it.
            // One that added its migration is a branch's own, regenerated after the merged branch's.)
            if let group = Self.group(startingAt: offset, of: migrations, digests: digests, states: states, after: position,
                                      continuities: continuities),
               ((group.from + 1)..<group.to).allSatisfy({ middle in
                   states[middle].addedMigrations
                       || !MigrationDiffer().plan(from: states[group.from].configuration, to: states[middle].configuration, strategy: .ignore).isNeeded
               }) {
                for member in offset...group.last {
                    intervals.append((member + 1, group.from, group.to))
                    matches.append(Match(version: member + 1, from: states[group.from].label, to: states[group.to].label))
                }
                groupedThrough = group.last
                position = max(position, group.to)
                continue
            }
            var interval: (from: Int, to: Int)?
            if let old = migration.metadata?["digests"]?["old"]?.stringValue, let new = migration.metadata?["digests"]?["new"]?.stringValue {
                let base = RecordedChange(version: version, migration: migration)?.base
                interval = find(old: old, new: new, in: digests, from: position, revisions: revisions, base: base)
                if interval == nil, let earlier = find(old: old, new: new, in: digests, from: 0) {
                    guard intervals.contains(where: { $0.from == earlier.from && $0.to == earlier.to }) else {
                        findings.append(Finding(
                            kind: .outOfOrder, version: version,
                            message: "\(version).json migrates \(states[earlier.from].label) → \(states[earlier.to].label), but the "
                                + "migrations before it already lead to \(states[position].label): it was generated from the wrong base, "
                                + "or the files are out of order, and would move edges of flows it does not fit",
                            hint: "if it is not deployed anywhere: delete it and the later ones, restore the sum and generate again from "
                                + "\(states[position].label) (after merging a branch: selinon-migrate rebase --onto that branch -n NODES -f FLOWS)"))
                        continue
                    }
                    // The same change as an earlier migration: reported below as a duplicate — unless it was
                    // generated from a later commit of this history, whose next change led elsewhere (amended, or
                    // committed otherwise after generate): that change is the one it was made for, and the
                    // comparison below says it does not match.
                    if let start = pinnedStart(base, old: old, in: digests, revisions: revisions, from: position), start + 1 < states.count {
                        interval = (start, start + 1)
                    } else {
                        interval = earlier
                    }
                }
                // Generated on a branch whose changes reached this history through a merge that
                // also brought others (a changed condition): the same effect is the same migration.
                if interval == nil { interval = Self.intervalWithSameEffect(as: migration, after: position, in: states) }
                if interval == nil {
                    findings.append(Finding(kind: .unmatched, version: version,
                                            message: "\(version).json was generated between configurations that are not in the history (\(migration.metadata?["old"]?.stringValue ?? "?") → \(migration.metadata?["new"]?.stringValue ?? "?"))",
                                            hint: "if it came with a merge of another branch (this walk follows first parents), it is that branch's, and may be "
                                                + "deployed: run verify --git there, and keep it; if it was generated from uncommitted edits that were "
                                                + "committed differently, delete it and generate it again from the committed revisions"))
                    continue
                }
            } else {
                interval = Self.intervalWithSameEffect(as: migration, after: position, in: states)
                if interval == nil {
                    findings.append(Finding(kind: .unmatched, version: version,
                                            message: "\(version).json has no _meta digests and matches no configuration change after \(states.isEmpty ? "the start" : states[position].label)",
                                            hint: "find the commit whose change it was meant to migrate (selinon-migrate history lists the changes) "
                                                + "and compare it with what that change gives: selinon-migrate generate --dry-run --from REV~1 "
                                                + "--to REV -n NODES -f FLOWS -m \"$(mktemp -d)\"; if no deployment applied \(version).json as it "
                                                + "is, put that in its place and run selinon-migrate rehash"))
                    continue
                }
            }
            let (from, to) = interval!
            if let earlier = intervals.first(where: { $0.from == from && $0.to == to }) {
                findings.append(Finding(kind: .duplicate, version: version,
                                        message: "\(version).json migrates \(states[from].label) → \(states[to].label), as \(earlier.version).json already does: generated twice",
                                        hint: "delete \(version).json unless no deployment has applied either (then delete the later one and rehash)"))
                continue
            }
            let derived = MigrationDiffer().plan(from: states[from].configuration, to: states[to].configuration, strategy: migration.strategy)
            let presence = derived.presenceMismatch(with: [migration])
            if !derived.migration.hasSameEffect(as: migration) || presence != nil {
                let derivedFlows = derived.migration.changedFlows, givenFlows = migration.changedFlows
                let flows = Set(derivedFlows.keys).union(givenFlows.keys).sorted().filter { derivedFlows[$0] != givenFlows[$0] }
                let what = [flows.isEmpty ? nil : "flows: \(flows.joined(separator: ", "))", presence].compactMap { $0 }.joined(separator: "; ")
                findings.append(Finding(kind: .mismatch, version: version,
                                        message: "\(version).json does not match the change \(states[from].label) → \(states[to].label) it was generated for (\(what))",
                                        hint: "it was edited, or generated from other files; what it should be: selinon-migrate generate --dry-run "
                                            + "\(Self.revisions(states[from], states[to])) -n NODES -f FLOWS -m \"$(mktemp -d)\" > \(version).json.expected "
                                            + "(an empty migration directory: nothing to continue); if no deployment applied \(version).json as it is, "
                                            + "move that over it and run selinon-migrate rehash, else put the difference in a new migration"))
            }
            // A configuration in between that needed no migration from the first (an edge appended at
            // a flow's end, a new flow) may have run at this version too: the file must fit its
            // flows as well. (One that needed a migration was never deployed without one: a branch
            // whose commits one migration covers.)
            if let skipped = ((from + 1)..<to).first(where: { middle in
                !MigrationDiffer().plan(from: states[from].configuration, to: states[middle].configuration, strategy: .ignore).isNeeded
                    && !MigrationDiffer().plan(from: states[middle].configuration, to: states[to].configuration, strategy: migration.strategy)
                        .migration.hasSameEffect(as: migration)
            }) {
                findings.append(Finding(kind: .mismatch, version: version,
                                        message: "\(version).json migrates \(states[from].label) → \(states[to].label), but in between, "
                                            + "\(states[skipped].label) changed the flows without a migration, and in-flight flows may run it: "
                                            + "\(version).json does not fit them",
                                        hint: "what it should be: selinon-migrate generate --dry-run \(Self.revisions(states[skipped], states[to])) "
                                            + "-n NODES -f FLOWS -m \"$(mktemp -d)\" (it fits flows of \(states[from].label) too); if no "
                                            + "deployment applied \(version).json as it is, put that in its place and run selinon-migrate rehash, "
                                            + "else put the difference in a new migration"))
            }
            intervals.append((version, from, to))
            matches.append(Match(version: version, from: states[from].label, to: states[to].label))
            position = max(position, to)
        }
        // The later migrations whose move the last hint spelled out: a change after it with the
        // same ones after it gets a short hint instead of the same steps again.
        var explained: [Int]?
        let uncovered = states.indices.dropFirst().filter { index in !intervals.contains(where: { $0.from < index && index <= $0.to }) }
            .compactMap { index in
                let plan = MigrationDiffer().plan(from: states[index - 1].configuration, to: states[index].configuration, strategy: .ignore)
                return plan.isNeeded ? (index: index, plan: plan) : nil
            }
        // Migrations of later changes: a missing one must come before them (generate continues the latest).
        func laterMigrations(_ index: Int) -> [Int] { intervals.filter { $0.from >= index }.map(\.version).sorted() }
        for (index, plan) in uncovered {
            let generate = "selinon-migrate generate \(Self.revisions(states[index - 1], states[index])) -n NODES -f FLOWS"
            let later = laterMigrations(index)
            // The missing ones that go before the same files, this one first.
            let inserted = uncovered.filter { $0.index >= index && laterMigrations($0.index) == later }
            let others = inserted.count > 1 ? " and the other missing ones below, in order" : ""
            let hint: String
            if let known = states[index].uncoveredHint {
                hint = known
            } else if states[index].revision == nil && index == states.count - 1 {
                hint = "run selinon-migrate generate -n NODES -f FLOWS to migrate the working tree's change"
            } else if !later.isEmpty, explained == later {
                hint = "not migrated either: in the same steps as above, generate its migration right after that one, before "
                    + "the files moved out (\(generate))"
            } else if let first = later.first,
                      let stale = intervals.filter({ $0.from >= index }).first(where: { interval in
                          // (Matched by its effect: its digests name the configuration before the missing change.)
                          RecordedChange(version: interval.version, migration: migrations[interval.version - 1])
                              .map { $0.old != digests[interval.from] } ?? false
                      }) {
                explained = later
                let names = later.map { "\($0).json" }.joined(separator: ", ")
                let end = intervals.filter { $0.from >= index }.map(\.to).max()!
                hint = "flows in flight across that change were not migrated; if that deployment is still running and \(names) "
                    + "\(later.count == 1 ? "is" : "are") deployed nowhere yet, the missing migration goes before \(later.count == 1 ? "it" : "them"), "
                    + "and \(later.count == 1 ? "it" : "they") must be generated again after it: \(stale.version).json was generated from the "
                    + "configuration before that change, as the missing one will be, so moved back it would not continue it. Move "
                    + "\(names) out of the directory, run selinon-migrate rehash, run \(generate) (it becomes \(first).json)\(others), then "
                    + "selinon-migrate generate \(Self.revisions(states[inserted.last!.index], states[end])) -n NODES -f FLOWS (it becomes "
                    + "\(first + inserted.count).json), and compare the new files with the old before deleting them"
            } else if let first = later.first {
                explained = later
                let names = later.map { "\($0).json" }.joined(separator: ", ")
                hint = "flows in flight across that change were not migrated; if that deployment is still running and \(names) "
                    + "\(later.count == 1 ? "is" : "are") deployed nowhere yet, the missing migration goes before \(later.count == 1 ? "it" : "them"): "
                    + "move \(names) out of the directory, run selinon-migrate rehash, run \(generate) (it becomes \(first).json)\(others), "
                    + "move the files back numbered after \(inserted.count == 1 ? "it" : "them") (\(first).json as \(first + inserted.count).json, …) "
                    + "and run selinon-migrate rehash"
            } else {
                hint = "flows in flight across that change were not migrated; if that deployment is still running, generate the "
                    + "migration for it: \(generate)"
            }
            findings.append(Finding(kind: .uncovered, version: nil,
                                    message: "\(states[index].label) changed \(plan.changedFlowNames.joined(separator: ", ")) with no migration",
                                    hint: hint))
        }
        return (matches, findings)
    }

    /// The offsets `i` of adjacent migrations `i`, `i + 1` that are in each other's place: the
    /// second ends where the first starts, and the first does not continue the second's start.
    private static func swappedPairs(_ migrations: [Migration]) -> [Int] {
        func digest(_ migration: Migration, _ side: String) -> String? { migration.metadata?["digests"]?[side]?.stringValue }
        return migrations.indices.dropLast().filter { index in
            guard let firstOld = digest(migrations[index], "old"), let firstNew = digest(migrations[index], "new"),
                  let secondOld = digest(migrations[index + 1], "old"), let secondNew = digest(migrations[index + 1], "new") else { return false }
            return secondNew == firstOld && firstNew != secondOld && firstOld != firstNew
        }
    }

    /// The most migrations matched together as one group.
    static let maximumGroup = 50

    /// Migrations `start`, `start + 1`, … `last` (at least two) that were generated one after the
    /// other between configurations the history does not hold in between, and together migrate
    /// one change of it, `from` → `to` (`from` ≥ `position`): the first starts where the history
    /// holds a state (by its `_meta` digests) and each continues the one before (or starts at a
    /// configuration `continuities` pairs with the one it ends at); the last ends
    /// where the history holds a later state (by its digest), or — when the history's state
    /// differs from it in what needs no migration (a condition changed on the other branch) —
    /// their composed effect moves the same edges as the change to a later state does. `nil`
    /// when `migrations[start]` matches on its own, or no such group exists.
    private static func group(startingAt start: Int, of migrations: [Migration], digests: [String], states: [State],
                              after position: Int, continuities: Set<String>) -> (last: Int, from: Int, to: Int)? {
        func digest(_ migration: Migration, _ side: String) -> String? { migration.metadata?["digests"]?[side]?.stringValue }
        guard let old = digest(migrations[start], "old"), let firstNew = digest(migrations[start], "new"),
              find(old: old, new: firstNew, in: digests, from: position) == nil, !digests.contains(firstNew) else { return nil }
        // The chain: each migration starts where the one before ends (or at a configuration with its edges).
        var last = start, previousNew = firstNew
        while last + 1 < min(migrations.count, start + maximumGroup), let next = digest(migrations[last + 1], "old"),
              next == previousNew || continuities.contains("\(previousNew) \(next)"),
              let new = digest(migrations[last + 1], "new") {
            last += 1
            previousNew = new
        }
        guard last > start else { return looseGroup(startingAt: start, of: migrations, digests: digests, states: states, after: position) }
        for from in digests.indices where from >= position && digests[from] == old {
            for end in (start + 1)...last {
                if let to = digests.indices.first(where: { $0 > from && digests[$0] == digest(migrations[end], "new") }) {
                    return (end, from, to)
                }
            }
            let composed = Migration.composedEffect(of: Array(migrations[start...last]),
                                                    edgeCounts: states[from].configuration.flows.mapValues(\.edges.count))
            if let to = ((from + 1)..<states.count).first(where: { to in
                movesTheSameEdges(composed, MigrationDiffer().plan(from: states[from].configuration, to: states[to].configuration,
                                                                   strategy: .ignore).migration.flows)
            }) {
                return (last, from, to)
            }
        }
        return looseGroup(startingAt: start, of: migrations, digests: digests, states: states, after: position)
    }

    /// Migrations `start` … `last` that do not continue each other by their digests where the
    /// history cannot tell why (a squash merge of a branch that changed a condition between two
    /// of them, its commits gone): the first starts at a state, the last ends at a later one (by
    /// their digests), and together they move the same edges as the change between the two.
    private static func looseGroup(startingAt start: Int, of migrations: [Migration], digests: [String], states: [State],
                                   after position: Int) -> (last: Int, from: Int, to: Int)? {
        func digest(_ migration: Migration, _ side: String) -> String? { migration.metadata?["digests"]?[side]?.stringValue }
        guard let old = digest(migrations[start], "old") else { return nil }
        for from in digests.indices where from >= position && digests[from] == old {
            for last in (start + 1)..<min(migrations.count, start + maximumGroup) {
                guard let new = digest(migrations[last], "new"),
                      let to = digests.indices.first(where: { $0 > from && digests[$0] == new }) else { continue }
                let composed = Migration.composedEffect(of: Array(migrations[start...last]),
                                                        edgeCounts: states[from].configuration.flows.mapValues(\.edges.count))
                if movesTheSameEdges(composed, MigrationDiffer().plan(from: states[from].configuration, to: states[to].configuration,
                                                                      strategy: .ignore).migration.flows) {
                    return (last, from, to)
                }
            }
        }
        return nil
    }

    /// Whether two per-flow effects move the same edges: the same translations, tainted edge
    /// indices and added edges (what is recorded of a removed edge aside).
    private static func movesTheSameEdges(_ first: [String: EdgeMigration], _ second: [String: EdgeMigration]) -> Bool {
        Set(first.keys) == Set(second.keys) && first.allSatisfy { name, entry in
            guard let other = second[name] else { return false }
            return entry.translation == other.translation && Set(entry.taintedEdges.keys) == Set(other.taintedEdges.keys)
                && entry.taintingNodes == other.taintingNodes
        }
    }

    /// `--from A --to B` for a `generate` between two states (`--to worktree` for the working tree).
    private static func revisions(_ from: State, _ to: State) -> String {
        "--from \(from.revision ?? "REV") --to \(to.revision ?? "worktree")"
    }

    /// The first interval from `position` to a later state that `migration` migrates exactly.
    private static func intervalWithSameEffect(as migration: Migration, after position: Int, in states: [State]) -> (from: Int, to: Int)? {
        guard position + 1 < states.count else { return nil }
        func matches(_ from: Int, _ to: Int) -> Bool {
            MigrationDiffer().plan(from: states[from].configuration, to: states[to].configuration, strategy: migration.strategy)
                .migration.hasSameEffect(as: migration)
        }
        if let end = (position + 1..<states.count).first(where: { matches(position, $0) }) { return (position, end) }
        // A change after one that no migration covered (reported as such): the file migrates one
        // commit's change from the configuration just before it — when only one change has its
        // effect (a change reverted and made again would match twice, and the wrong one is worse
        // than none).
        let candidates = (position + 1..<states.count - 1).filter { matches($0, $0 + 1) }
        return candidates.count == 1 ? (candidates[0], candidates[0] + 1) : nil
    }

    /// What a migration file records of the change it was generated for (`_meta`): the structure
    /// digests of the configurations before and after it, and the commit it was generated from.
    public struct RecordedChange: Sendable, Equatable {
        public var version: Int
        /// `_meta.digests.old` and `.new`.
        public var old: String
        public var new: String
        /// The abbreviated commit id `_meta.old` names (`git:1a2b3c4d5e6f …`); nil when the
        /// migration was generated from files or the index.
        public var base: String?

        /// What `migration` (version `version`) records; nil when its `_meta` has no digests.
        public init?(version: Int, migration: Migration) {
            guard let old = migration.metadata?["digests"]?["old"]?.stringValue,
                  let new = migration.metadata?["digests"]?["new"]?.stringValue else { return nil }
            self.version = version
            self.old = old
            self.new = new
            base = migration.metadata?["old"]?.stringValue.flatMap(Self.revision(recordedAs:))
        }

        /// The revision a configuration's description in `_meta` names (`git:1a2b3c4d5e6f
        /// (HEAD~1)` → `1a2b3c4d5e6f`); nil for files, the index, or no revision.
        public static func revision(recordedAs description: String) -> String? {
            guard description.hasPrefix("git:") else { return nil }
            let revision = description.dropFirst(4).prefix { $0 != " " }
            return revision.isEmpty ? nil : String(revision)
        }
    }

    /// The changes of a history that migrations were generated for, matched by what they record
    /// as ``check(states:migrations:)`` matches them: in version order, each from where the one
    /// before it ended, from the state of the commit it records as its base when the history
    /// holds it there, else from the first with its old digest, to the first after it with its
    /// new one. `digests` and `revisions` are the states' (oldest first; a revision is a commit
    /// id, a prefix of one, or nil). A migration that matches no change from where the ones
    /// before it ended is left out (`verify --git` reports it).
    /// - Returns: by version, the indices of the states it migrates from and to.
    public static func recordedIntervals(of recorded: [RecordedChange], digests: [String],
                                         revisions: [String?]) -> [Int: (from: Int, to: Int)] {
        var intervals: [Int: (from: Int, to: Int)] = [:]
        var position = 0
        for change in recorded.sorted(by: { $0.version < $1.version }) {
            guard let interval = find(old: change.old, new: change.new, in: digests, from: position, revisions: revisions,
                                      base: change.base) else { continue }
            intervals[change.version] = interval
            position = max(position, interval.to)
        }
        return intervals
    }

    /// ``find(old:new:in:from:)``, from the state of commit `base` when the history holds it at
    /// `start` or later with the digest `old` and a later state has `new`: the same change made
    /// twice (reverted, then made again) is the one the migration was generated from.
    private static func find(old: String, new: String, in digests: [String], from start: Int, revisions: [String?],
                             base: String?) -> (from: Int, to: Int)? {
        if let from = pinnedStart(base, old: old, in: digests, revisions: revisions, from: start),
           let to = digests.indices.first(where: { $0 > from && digests[$0] == new }) {
            return (from, to)
        }
        return find(old: old, new: new, in: digests, from: start)
    }

    /// The index of the state of commit `base` (an abbreviated id), at `start` or later, when
    /// its digest is `old`.
    private static func pinnedStart(_ base: String?, old: String, in digests: [String], revisions: [String?], from start: Int) -> Int? {
        guard let base else { return nil }
        return digests.indices.first { index in
            index >= start && digests[index] == old && revisions[index].map { $0.hasPrefix(base) || base.hasPrefix($0) } == true
        }
    }

    /// The first interval (a, b), a ≥ `start`, a < b, whose states have the digests `old` and `new`.
    private static func find(old: String, new: String, in digests: [String], from start: Int) -> (from: Int, to: Int)? {
        for from in digests.indices where from >= start && digests[from] == old {
            if let to = digests.indices.first(where: { $0 > from && digests[$0] == new }) { return (from, to) }
        }
        return nil
    }
}
