import FlowConfig
import FlowMigration

/// Plausible in-flight states of a flow: a flow started and advanced a random number of runs —
/// random nodes finishing, some failing at `failureRate`, conditions and `foreach` decided at
/// random — stopping while it still runs. Seeded: the same seed gives the same states.
public struct FlowSimulator: Sendable {
    /// The flow's dispatcher rules.
    public let engine: FlowDispatcher
    /// The chance that a node that ends fails rather than finishes (0…1).
    public var failureRate: Double
    /// The most dispatcher runs a flow is advanced: each run, one or two running nodes end; a flow
    /// gets a random number of runs from 0 to this.
    public var maxRuns: Int

    /// A simulator of `engine`'s flow; see ``failureRate`` and ``maxRuns``.
    public init(engine: FlowDispatcher, failureRate: Double = 0.05, maxRuns: Int = 12) {
        self.engine = engine
        self.failureRate = failureRate
        self.maxRuns = maxRuns
    }

    /// One in-flight state, or `nil` when the flow ended before it could be caught running (for
    /// example when no starting edge fired).
    public func state(seed: UInt64) -> DispatcherState? {
        var decisions = RandomDecisions(seed: seed)
        var run = engine.start(&decisions)
        guard run.status == .running else { return nil }
        let runs = Int.random(in: 0...maxRuns, using: &decisions.generator)
        for _ in 0..<runs {
            let active = run.state.activeNodes
            let count = Int.random(in: 1...max(1, min(active.count, 2)), using: &decisions.generator)
            var finished = Set<String>(), failed = Set<String>()
            for node in active.shuffled(using: &decisions.generator).prefix(count) {
                if Double.random(in: 0..<1, using: &decisions.generator) < failureRate { failed.insert(node.id) } else { finished.insert(node.id) }
            }
            let next = engine.advance(run.state, finished: finished, failed: failed, &decisions)
            guard next.status == .running else { break }
            run = next
        }
        return run.state
    }
}
