import Foundation
import Synchronization

/// A bound on how long one store operation (a batch, a page, a count) may take.
///
/// A PostgreSQL connection that drops in the middle of a query can leave postgres-nio waiting
/// for ever (seen with 1.33.2: an export, an import or an apply hung when the server ended the
/// backend), so every PostgreSQL operation runs under one: when it has not finished within
/// `timeout` — or its connection is seen closed — it fails with ``NoAnswer`` (or
/// ``ConnectionLost``) instead, and is left to the process to end.
struct AnswerDeadline: Sendable {
    let timeout: Duration

    /// The operation did not finish within `timeout`.
    struct NoAnswer: Error {
        let timeout: Duration
    }

    /// The operation's connection closed while the operation waited on it.
    struct ConnectionLost: Error {}

    /// How often `isLost` is asked.
    static let lossCheckInterval = Duration.milliseconds(100)

    /// How long a connection seen closed leaves the operation to fail on its own: its error (the
    /// server's FATAL message, read just before the connection closed) says why, where
    /// ``ConnectionLost`` cannot.
    static let lossGrace = Duration.milliseconds(500)

    /// The first of: `operation`'s result, ``NoAnswer`` once it has run for `timeout`, or
    /// ``ConnectionLost`` once `isLost` (asked every ``lossCheckInterval``) has said the
    /// connection it waits on is closed and the operation has not failed on its own within
    /// ``lossGrace`` — postgres-nio 1.33.2 may never fail a query whose connection the server ended. An operation given up on is cancelled and not waited for.
    func run<T: Sendable>(isLost: (@Sendable () -> Bool)? = nil, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let watch = Task { [timeout] in
                while !Task.isCancelled {
                    let deadline = race.started + timeout
                    if ContinuousClock.now >= deadline {
                        if race.finish(.failure(NoAnswer(timeout: timeout))) { race.cancelWork() }
                        return
                    }
                    if let isLost, isLost() {
                        try? await Task.sleep(for: Self.lossGrace)
                        if race.finish(.failure(ConnectionLost())) { race.cancelWork() }
                        return
                    }
                    let wake = isLost == nil ? deadline : min(deadline, ContinuousClock.now + Self.lossCheckInterval)
                    try? await Task.sleep(until: wake, clock: .continuous)
                }
            }
            race.setWork(Task {
                do {
                    _ = race.finish(.success(try await operation()))
                } catch {
                    _ = race.finish(.failure(error))
                }
                watch.cancel()
            })
        }
    }

    /// The operation and its watch: whichever finishes first resumes the caller, once.
    private final class Race<T: Sendable>: Sendable {
        let started = ContinuousClock.now
        private let pending = Mutex<CheckedContinuation<T, any Error>?>(nil)
        private let work = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

        func start(_ continuation: CheckedContinuation<T, any Error>) { pending.withLock { $0 = continuation } }

        /// Keeps the operation's task to cancel; cancels it at once when the watch has already
        /// given up on it (a watch that fires before the task is kept must not miss it).
        func setWork(_ task: Task<Void, Never>) {
            let alreadyOver = work.withLock { state -> Bool in
                if state.cancelled { return true }
                state.task = task
                return false
            }
            if alreadyOver { task.cancel() }
        }

        func cancelWork() {
            work.withLock { state in
                state.cancelled = true
                state.task?.cancel()
            }
        }

        /// Resumes the caller with `result` unless it was resumed before; whether it did.
        func finish(_ result: Result<T, any Error>) -> Bool {
            guard let continuation = pending.withLock({ value -> CheckedContinuation<T, any Error>? in
                defer { value = nil }
                return value
            }) else { return false }
            continuation.resume(with: result)
            return true
        }
    }
}
