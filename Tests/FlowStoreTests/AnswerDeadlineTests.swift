@testable import FlowStore
import Synchronization
import Testing

/// The bound on a store operation: a result within it comes through, an operation that outlives
/// it fails with `NoAnswer` and is cancelled. A zero bound is over at once, so the watch may give
/// up before the operation's task has been handed over: it must be cancelled all the same.
///
/// The bounds that must not expire are an hour: the tests that run commands block threads of
/// the shared pool while they wait for them, and on a busy two-core machine the operation's task
/// once waited more than two minutes for a thread (a bound is on wall-clock time, as it must be).
struct AnswerDeadlineTests {
    static let generous = Duration.seconds(3600)

    @Test func aQuickOperationGivesItsResult() async throws {
        let value = try await AnswerDeadline(timeout: Self.generous).run { 42 }
        #expect(value == 42)
    }

    @Test func anOperationsOwnErrorComesThrough() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await AnswerDeadline(timeout: Self.generous).run { () async throws -> Int in throw Refused() } }
    }

    @Test(arguments: [Duration.zero, .milliseconds(50)])
    func anOperationThatOutlivesTheBoundIsGivenUpOnAndCancelled(timeout: Duration) async throws {
        for _ in 0..<20 {
            let cancelled = Flag()
            await #expect(throws: AnswerDeadline.NoAnswer.self) {
                try await AnswerDeadline(timeout: timeout).run {
                    do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.raise() }
                    return 0
                }
            }
            // Five minutes for the cancelled task to get a thread on a starved pool; a broken
            // cancellation fails once, not once per round.
            let deadline = ContinuousClock.now + .seconds(300)
            while !cancelled.isRaised && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(cancelled.isRaised, "the operation ran on after the deadline gave up on it")
            if !cancelled.isRaised { break }
        }
    }

    /// Set once from the operation, read from the test.
    private final class Flag: Sendable {
        private let raised = Atomic<Bool>(false)
        var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
        func raise() { raised.store(true, ordering: .sequentiallyConsistent) }
    }
}
