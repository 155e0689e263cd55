import FlowMigration
import FlowStore
import Foundation
import StoreTestSupport
import Testing
import TestSupport

/// `apply --store` killed with SIGKILL at random moments: every flow is always either untouched
/// at its old version or fully migrated, with exactly the events its row shows; a final run
/// finishes the job.
struct CrashSafety {
    let backend: StoreBackend
    static let flowCount = 20_000
    static let kills = 20

    /// What a flow must look like once migrated.
    struct Expected {
        var message: [UInt8]
        var version: Int
        var status: FlowStatus
        var outcome: String
    }

    func killedApplyLosesNothing() async throws {
        try await TestStore.with(backend) { test in
            let messages = try InflightFlows.messages(count: Self.flowCount)
            let originals = try messages.map { try NewFlow(message: $0) }
            let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(directory: try MigrationDirectory.load(from: InflightFlows.migrationDirectory))))
            var expected: [String: Expected] = [:]
            for flow in originals {
                var output: [UInt8] = []
                let report = flow.message.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
                switch report.outcome {
                case .migrated: expected[flow.id] = Expected(message: output, version: 3, status: .running, outcome: "migrated")
                case .retry: expected[flow.id] = Expected(message: output, version: 3, status: .retryRequested, outcome: "retry")
                case .fail: expected[flow.id] = Expected(message: flow.message, version: 0, status: .failed, outcome: "fail")
                default: Issue.record("unexpected outcome \(report.outcome)")
                }
            }
            let store = try await test.open()
            for start in stride(from: 0, to: originals.count, by: 2_000) {
                try await store.insert(Array(originals[start..<min(start + 2_000, originals.count)]))
            }
            await store.close()
            try await test.saveRows()

            let arguments = ["apply", "-m", InflightFlows.migrationDirectory, "--store", test.location, "--batch-size", "100", "--quiet"]
            let binary = try CommandRunner().executable
            // How long an uninterrupted run takes, to kill within it.
            let clock = ContinuousClock()
            var fullStatus: Int32 = -1
            let full = try clock.measure { fullStatus = try Self.run(binary, arguments, killAfter: nil) }
            #expect(fullStatus == 0)
            try await check(test, originals: originals, expected: expected, mustBeComplete: true)

            // Kill until 20 kills have landed while apply ran (at most 60 tries): half of them on a
            // fresh store, half on the store the killed run before left half-done. The kill falls
            // at a random moment within how long the run is expected to take: on a fresh store the
            // shortest complete run seen so far (other suites share the machine, so a run measured
            // under load would otherwise let later kills arrive after the end), on a half-done one
            // what the kill before it left.
            var random = SystemRandomNumberGenerator()
            var freshWindow = full / .seconds(1)
            var previousKill = 0.0
            var interrupted = 0, attempts = 0
            while interrupted < Self.kills && attempts < 3 * Self.kills {
                let fresh = attempts % 2 == 0
                if fresh { try await test.restoreSavedRows() }
                attempts += 1
                let window = max(0.05, fresh ? freshWindow : freshWindow - previousKill)
                let killAfter = Double.random(in: 0.02...window, using: &random)
                var status: Int32 = -1
                let elapsed = try clock.measure { status = try Self.run(binary, arguments, killAfter: killAfter) } / .seconds(1)
                if status == -Int32(SIGKILL) {
                    interrupted += 1
                } else {
                    #expect(status == 0, "an apply that was not killed succeeds")
                    if fresh { freshWindow = min(freshWindow, elapsed) }
                }
                previousKill = killAfter
                try await test.waitUntilOtherSessionsEnd()
                try await check(test, originals: originals, expected: expected, mustBeComplete: false)
            }
            #expect(interrupted >= Self.kills, "\(interrupted) of \(attempts) kills landed while apply ran")

            // Resume: everything ends migrated, once.
            #expect(try Self.run(binary, arguments, killAfter: nil) == 0)
            try await check(test, originals: originals, expected: expected, mustBeComplete: true)
        }
    }

    /// Every flow untouched or fully migrated; events exactly for the migrated ones.
    private func check(_ test: TestStore, originals: [NewFlow], expected: [String: Expected], mustBeComplete: Bool) async throws {
        let store = try await test.open()
        var flows: [String: StoredFlow] = [:]
        try await store.forEachFlow(pageSize: 5_000) { page in
            for flow in page { flows[flow.id] = flow }
        }
        await store.close()
        let events = try await test.eventsByFlow()
        #expect(flows.count == originals.count, "no flow lost or added")
        var untouched = 0, migrated = 0, broken = 0
        for original in originals {
            guard let flow = flows[original.id], let want = expected[original.id] else { broken += 1; continue }
            let flowEvents = events[original.id] ?? []
            if flow.revision == 1 && flow.message == original.message && flow.migrationVersion == 0 && flow.status == .running && flowEvents.isEmpty {
                untouched += 1
            } else if flow.revision == 2 && flow.message == want.message && flow.migrationVersion == want.version
                        && flow.status == want.status && flowEvents == [want.outcome] {
                migrated += 1
            } else {
                broken += 1
                if broken <= 3 { Issue.record("flow \(original.id) is neither untouched nor migrated: revision \(flow.revision), version \(flow.migrationVersion), \(flow.status), events \(flowEvents)") }
            }
        }
        #expect(broken == 0)
        #expect(events.count == migrated, "an event only for migrated flows")
        if mustBeComplete { #expect(migrated == originals.count && untouched == 0) }
    }

    /// Runs the binary; with `killAfter`, sends SIGKILL after that many seconds unless it ended.
    /// Returns the exit status, or minus the signal that ended it.
    private static func run(_ binary: URL, _ arguments: [String], killAfter seconds: Double?) throws -> Int32 {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let seconds {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(2_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }
}

struct SQLiteCrashSafetyTests {
    @Test func killedApplyLosesNothing() async throws { try await CrashSafety(backend: .sqlite).killedApplyLosesNothing() }
}

@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresCrashSafetyTests {
    @Test func killedApplyLosesNothing() async throws { try await CrashSafety(backend: .postgres).killedApplyLosesNothing() }
}

/// An import whose batch's COMMIT reaches the server and is answered with the end of its
/// session: whether the batch is stored is not known, so the note after the error must not say
/// where the rest starts (a `tail -n +N` from there would stop at the lines stored) — only that
/// running the import again with --skip-identical finishes it, which it does.
@Suite(.enabled(if: PostgresTestServer.isConfigured, Comment(rawValue: PostgresTestServer.skipReason)))
struct PostgresInDoubtImportTests {
    @Test func anImportWhoseCommitIsInDoubtSaysSoAndFinishesWithSkipIdentical() async throws {
        try await TestStore.with(.postgres) { test in
            let lines = try InflightFlows.messages(count: 6).map { String(decoding: $0, as: UTF8.self) }
            try test.files.write(lines.joined(separator: "\n") + "\n", to: "flows.jsonl")
            let input = test.files.path("flows.jsonl")
            try await test.open().close()
            let proxy = try PostgresProxy(to: test)
            defer { proxy.stop() }
            proxy.endSessionAtNextCommit()
            let runner = try CommandRunner()
            let stopped = try runner.run(["import", "--store", proxy.location, "--input", input, "--batch-size", "2"])
            #expect(stopped.status == 2)
            #expect(stopped.standardError.contains("It is in doubt"), "\(stopped.standardError)")
            #expect(stopped.standardError.contains("lines 1–2 may be too (their batch's COMMIT is in doubt), nothing after them; to import the "
                + "rest, run the same import again with --skip-identical"), "\(stopped.standardError)")
            #expect(!stopped.standardError.contains("tail -n") && !stopped.standardError.contains("nothing was imported"), "\(stopped.standardError)")
            let finished = try runner.run(["import", "--store", test.location, "--input", input, "--skip-identical"])
            #expect(finished.status == 0, "\(finished.standardError)")
            let exported = try runner.run(["export", "--store", test.location])
            #expect(exported.standardOutput.split(separator: "\n").count == 6)
        }
    }
}
