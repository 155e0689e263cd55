import FlowConfig
import FlowEngine
import FlowMigration
import Foundation
import MigrationGenerator
import Testing

/// The migrator checked against the engine on random condition-free acyclic flows and random
/// edits: a state migrated without taint finishes exactly as a fresh run of the new
/// configuration does, and a tainted one does not.
struct OracleTests {
    /// One generated case: a flow before and after edits, and how far the old flow ran.
    struct Case: CustomStringConvertible {
        var old: [(from: [String], to: [String])]
        var new: [(from: [String], to: [String])]
        var steps: Int
        var seed: UInt64

        var description: String {
            func edges(_ list: [(from: [String], to: [String])]) -> String {
                list.enumerated().map { "    \($0.offset): [\($0.element.from.joined(separator: ", "))] → [\($0.element.to.joined(separator: ", "))]" }
                    .joined(separator: "\n")
            }
            return "seed \(seed), \(steps) runs of the old flow\n  old:\n\(edges(old))\n  new:\n\(edges(new))"
        }
    }

    static let count = Int(ProcessInfo.processInfo.environment["SELINON_MIGRATE_ORACLE_CASES"] ?? "") ?? 10_000

    static func flow(_ edges: [(from: [String], to: [String])]) -> FlowDefinition {
        let location = FileLocation(file: "f.yml", line: 1, column: 1)
        return FlowDefinition(name: "f", edges: edges.enumerated().map { Edge(index: $0.offset, from: $0.element.from, to: $0.element.to, location: location) },
                              location: location)
    }

    static func configuration(_ edges: [(from: [String], to: [String])]) -> Configuration {
        Configuration(nodesFile: "nodes.yml", flowFiles: ["f.yml"], tasks: [], storages: [], global: GlobalSettings(),
                      flowNames: ["f"], flows: ["f": flow(edges)])
    }

    // MARK: - Generation

    /// An acyclic edge: destinations drawn from `tasks`, sources strictly before them.
    static func edge(_ random: inout SeededGenerator, tasks: Int, starting: Bool = false) -> (from: [String], to: [String]) {
        let lowest = starting ? 0 : 1
        let first = Int.random(in: lowest..<tasks, using: &random)
        var to = ["T\(first)"]
        if Bool.random(using: &random), first + 1 < tasks { to.append("T\(Int.random(in: (first + 1)..<tasks, using: &random))") }
        guard !starting else { return ([], Array(Set(to)).sorted()) }
        var from = ["T\(Int.random(in: 0..<first, using: &random))"]
        if Bool.random(using: &random), first > 1 { from.append("T\(Int.random(in: 0..<first, using: &random))") }
        return (Array(Set(from)).sorted(), Array(Set(to)).sorted())
    }

    static func generate(seed: UInt64) -> Case {
        var random = SeededGenerator(seed: seed)
        var tasks = Int.random(in: 3...7, using: &random)
        var old: [(from: [String], to: [String])] = (0..<Int.random(in: 1...2, using: &random)).map { _ in edge(&random, tasks: tasks, starting: true) }
        for _ in 0..<Int.random(in: 2...7, using: &random) { old.insert(edge(&random, tasks: tasks), at: Int.random(in: 0...old.count, using: &random)) }
        var new = old
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: new.insert(edge(&random, tasks: tasks), at: Int.random(in: 0...new.count, using: &random))
            case 1 where new.count > 1: new.remove(at: Int.random(in: 0..<new.count, using: &random))
            case 2 where new.count > 1: new.swapAt(Int.random(in: 0..<new.count, using: &random), Int.random(in: 0..<new.count, using: &random))
            case 3:
                let position = Int.random(in: 0..<new.count, using: &random)
                new[position] = edge(&random, tasks: tasks, starting: new[position].from.isEmpty)
            case 4:
                tasks += 1
                var added = edge(&random, tasks: tasks)
                added.to = ["T\(tasks - 1)"]
                new.insert(added, at: Int.random(in: 0...new.count, using: &random))
            default: new.insert(edge(&random, tasks: tasks, starting: true), at: Int.random(in: 0...new.count, using: &random))
            }
        }
        return Case(old: old, new: new, steps: Int.random(in: 0...8, using: &random), seed: seed)
    }

    // MARK: - Running

    /// What a run did: which nodes finished, and which edges fired how often — an edge named by
    /// its sources and destinations, so that firings under two configurations compare.
    struct Trace: Equatable {
        var finished: [String: Int] = [:]
        var fired: [String: Int] = [:]

        mutating func record(_ run: FlowDispatcher.Run, flow: FlowDefinition) {
            for index in run.fired {
                let edge = flow.edges[index]
                fired["\(edge.from.sorted()) → \(edge.to.sorted())", default: 0] += 1
            }
        }
    }

    /// Runs `state` to the end, every node succeeding, the first active node first.
    static func finish(_ engine: FlowDispatcher, _ state: DispatcherState, trace: inout Trace, _ decisions: inout PredicateDecisions) {
        var state = state
        for _ in 0..<100_000 {
            guard let next = state.activeNodes.first else { break }
            let run = engine.advance(state, finished: [next.id], failed: [], &decisions)
            trace.record(run, flow: engine.flow)
            state = run.state
        }
        trace.finished = state.finishedNodes.mapValues(\.count)
    }

    /// What checking one case found.
    enum Verdict: Equatable {
        /// The old flow ended before it could be caught running.
        case notInFlight
        case untainted
        case tainted
        /// A warned change (a new starting edge) on an untainted state: not compared.
        case warned
        case violation(String)
    }

    /// What the properties say about `example`; `nil` when they hold.
    static func violation(_ example: Case) -> String? {
        if case .violation(let problem) = verdict(example) { return problem }
        return nil
    }

    static func verdict(_ example: Case) -> Verdict {
        let old = configuration(example.old), new = configuration(example.new)
        let oldEngine = FlowDispatcher(flow: old.flows["f"]!, of: old), newEngine = FlowDispatcher(flow: new.flows["f"]!, of: new)
        var decisions = PredicateDecisions()
        var continued = Trace()
        var run = oldEngine.start(&decisions)
        continued.record(run, flow: oldEngine.flow)
        var random = SeededGenerator(seed: example.seed ^ 0xA5A5)
        for _ in 0..<example.steps {
            let active = run.state.activeNodes
            guard !active.isEmpty else { break }
            let next = oldEngine.advance(run.state, finished: [active[Int.random(in: 0..<active.count, using: &random)].id], failed: [], &decisions)
            guard next.status == .running else { break }
            continued.record(next, flow: oldEngine.flow)
            run = next
        }
        guard run.status == .running else { return .notInFlight }
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        let outcome: MigrationOutcome
        do {
            outcome = try Migrator(chain: MigrationChain(migrations: [plan.migration])).migrate(
                DispatcherMessage(flowName: "f", migrationVersion: 0, state: run.state))
        } catch {
            return .violation("the migrator rejected a reachable state: \(error)")
        }
        let migrated: DispatcherState, taints: [Taint]
        switch outcome {
        case .migrated(let message, _, _, let found): (migrated, taints) = (message.state!, found)
        case .upToDate: (migrated, taints) = (run.state, [])
        default: return .violation("unexpected outcome \(outcome)")
        }
        finish(newEngine, migrated, trace: &continued, &decisions)
        var fresh = Trace()
        var freshDecisions = PredicateDecisions()
        let start = newEngine.start(&freshDecisions)
        fresh.record(start, flow: newEngine.flow)
        finish(newEngine, start.state, trace: &fresh, &freshDecisions)
        let warned = plan.warnings.contains { $0.kind == .newStartingEdge }
        if taints.isEmpty {
            if warned { return .warned }
            return continued == fresh ? .untainted
                : .violation("not tainted, but finishes with \(continued) instead of \(fresh) (state: \(run.state.summary))")
        }
        return continued != fresh ? .tainted
            : .violation("tainted (\(taints.count) taints), but runs like a fresh run: \(fresh) (state: \(run.state.summary))")
    }

    /// A smaller failing case: edges dropped one at a time while the property still fails.
    static func shrink(_ example: Case) -> Case {
        var current = example
        var progress = true
        while progress {
            progress = false
            for side in [true, false] {
                let count = side ? current.old.count : current.new.count
                for position in (0..<count).reversed() {
                    var candidate = current
                    if side { candidate.old.remove(at: position) } else { candidate.new.remove(at: position) }
                    if violation(candidate) != nil {
                        current = candidate
                        progress = true
                        break
                    }
                }
            }
        }
        return current
    }

    @Test func untaintedStatesFinishLikeAFreshRunAndTaintedOnesDoNot() {
        var verdicts: [String: Int] = [:]
        for index in 0..<Self.count {
            let example = Self.generate(seed: 0x5E11_0000 &+ UInt64(index))
            switch Self.verdict(example) {
            case .violation(let problem):
                let small = Self.shrink(example)
                Issue.record("\(problem)\nshrunk case (\(Self.violation(small) ?? "")):\n\(small)")
                return
            case let verdict:
                verdicts["\(verdict)", default: 0] += 1
            }
        }
        print("oracle verdicts: \(verdicts)")
        // Both properties were exercised, many times.
        #expect(verdicts["untainted", default: 0] >= Self.count / 10, "\(verdicts)")
        #expect(verdicts["tainted", default: 0] >= Self.count / 10, "\(verdicts)")
    }
}
