import FlowEngine
import FlowMigration
import FlowStore
import Foundation
import StoreTestSupport
import Testing
import TestSupport

/// A caller isolated to an actor (a service's `@MainActor` dashboard), paging through a store
/// into its own state: this compiles only while `forEachFlow` runs its closure on the caller's
/// actor (`nonisolated(nonsending)`), not on the generic executor.
@MainActor final class FlowTally {
    private(set) var flowsByName: [String: Int] = [:]

    func count(_ store: any FlowStateStore) async throws {
        try await store.forEachFlow(pageSize: 5) { page in
            for flow in page { self.flowsByName[flow.flowName, default: 0] += 1 }
        }
    }
}

extension StoreContract {
    /// ``FlowTally`` counts every flow from the main actor.
    func anActorCanPageThroughFlows() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: 14)))
            let tally = FlowTally()
            try await tally.count(store)
            let counted = await tally.flowsByName
            #expect(counted.values.reduce(0, +) == 14 && counted.count > 1, "\(counted)")
        }
    }

    /// `message` with `retried_count` raised by one.
    static func incrementingRetriedCount(_ message: [UInt8]) throws -> (message: [UInt8], count: Int) {
        guard case .object(var members) = try JSONParser().parse(message) else { throw StoreError(.invalidState, "not an object") }
        let count = (members["retried_count"]?.intValue ?? 0) + 1
        members["retried_count"] = .number(JSONNumber(count))
        return (JSONWriter.compact(.object(members)), count)
    }

    /// Two sweeps at once: each flow is migrated once, and each report accounts for every flow —
    /// those the other sweep reached first are counted as changed elsewhere.
    func concurrentSweepsAccountForEveryFlow() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let flowCount = 2_000
            try await store.insert(try Self.newFlows(InflightFlows.messages(count: flowCount)))
            let migrator = try Self.migrator()
            let expected = try await MigrationSweep(store: store, migrator: migrator, dryRun: true).run()
            func changes(_ report: SweepReport) -> Int { report.total(.migrated) + report.total(.retry) + report.total(.fail) }
            let other = try await test.open()
            async let first = MigrationSweep(store: store, migrator: migrator, batchSize: 20).run()
            async let second = MigrationSweep(store: other, migrator: migrator, batchSize: 20).run()
            let reports = try await [first, second]
            for report in reports {
                let counted = SweepReport.Outcome.allCases.reduce(0) { $0 + report.total($1) }
                #expect(counted + report.changedElsewhere == flowCount, "\(report.jsonValue)")
            }
            #expect(changes(reports[0]) + changes(reports[1]) == changes(expected), "each flow changed by one sweep only")
            await other.close()
            await store.close()
        }
    }

    /// While a sweep runs, 8 dispatchers keep changing random flows; no change is lost and every
    /// flow ends at the latest version.
    func concurrentWritersLoseNothing() async throws {
        try await TestStore.with(backend) { test in
            let store = try await test.open()
            let flowCount = 1_500
            let messages = try InflightFlows.messages(count: flowCount)
            try await store.insert(try Self.newFlows(messages))
            let migrator = try Self.migrator()
            let ids = try messages.map { try NewFlow(message: $0).id }

            async let sweep = MigrationSweep(store: store, migrator: migrator, batchSize: 25).run()
            let increments = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        let dispatcher = DispatcherStore(store: store, migrator: migrator)
                        var random = SeededGenerator(seed: UInt64(writer + 1))
                        var done: [String: Int] = [:]
                        var successes = 0
                        while successes < 120 {
                            let id = ids.randomElement(using: &random)!
                            guard let loaded = try await dispatcher.load(flowID: id), loaded.flow.status != .failed else { continue }
                            do {
                                _ = try await dispatcher.save(loaded.flow, message: try Self.incrementingRetriedCount(loaded.flow.message).message)
                                done[id, default: 0] += 1
                                successes += 1
                            } catch let error as StoreError where error.kind == .conflict {
                                continue  // someone else changed it: load again, as a dispatcher would
                            }
                        }
                        return done
                    }
                }
                var all: [String: Int] = [:]
                for try await done in group { all.merge(done, uniquingKeysWith: +) }
                return all
            }
            _ = try await sweep
            _ = try await MigrationSweep(store: store, migrator: migrator).run()

            let flows = try await Self.snapshot(store)
            #expect(flows.count == flowCount)
            #expect(increments.values.reduce(0, +) == 8 * 120)
            for (id, flow) in flows {
                let retried = try JSONParser().parse(flow.message)["retried_count"]?.intValue ?? -1
                #expect(retried == increments[id, default: 0], "flow \(id): \(increments[id, default: 0]) saved changes, retried_count \(retried)")
                if flow.status != .failed { #expect(flow.migrationVersion == 3, "flow \(id)") }
                // Migrated exactly once, by whoever came first.
                #expect(try await store.events(flowID: id).count == 1, "flow \(id)")
            }
            await store.close()
        }
    }

    /// Old workers (migrations 1…2) and new workers (1…3) share a store during a rolling deploy:
    /// old workers leave version-3 flows alone, nothing is lost, every flow ends at version 3.
    func rollingDeployConverges() async throws {
        try await TestStore.with(backend) { test in
            let oldDirectory = test.files.path("migrations-old")
            try FileManager.default.createDirectory(atPath: oldDirectory, withIntermediateDirectories: true)
            for version in 1...2 {
                try FileManager.default.copyItem(atPath: "\(InflightFlows.migrationDirectory)/\(version).json",
                                                 toPath: "\(oldDirectory)/\(version).json")
            }
            let oldMigrator = try Self.migrator(directory: oldDirectory)
            let newMigrator = try Self.migrator()
            #expect(oldMigrator.migrator.chain.latestVersion == 2 && newMigrator.migrator.chain.latestVersion == 3)

            let store = try await test.open()
            let messages = try InflightFlows.messages(count: 3_500)
            try await store.insert(try Self.newFlows(Array(messages[..<2_000])))

            // New workers start first: 200 flows reach version 3. An old sweep leaves them alone.
            let newDispatcher = DispatcherStore(store: store, migrator: newMigrator)
            for index in 0..<200 { _ = try await newDispatcher.load(flowID: String(format: "flow-%07d", index)) }
            let migratedByNew = try await Self.snapshot(store).filter { $0.value.migrationVersion == 3 }
            let oldSweep = try await MigrationSweep(store: store, migrator: oldMigrator).run()
            #expect(oldSweep.total(.skew) == migratedByNew.count)
            let afterOldSweep = try await Self.snapshot(store)
            for (id, flow) in migratedByNew { #expect(afterOldSweep[id] == flow, "flow \(id)") }

            // Then both kinds of workers run side by side on more flows.
            try await store.insert(try Self.newFlows(Array(messages[2_000...])))
            let ids = try messages.map { try NewFlow(message: $0).id }

            let skewSeen = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask { _ = try await MigrationSweep(store: store, migrator: oldMigrator, batchSize: 30).run(); return 0 }
                group.addTask { _ = try await MigrationSweep(store: store, migrator: newMigrator, batchSize: 30).run(); return 0 }
                for (worker, migrator) in [(1, oldMigrator), (2, newMigrator), (3, oldMigrator)] {
                    group.addTask {
                        let dispatcher = DispatcherStore(store: store, migrator: migrator)
                        var random = SeededGenerator(seed: UInt64(worker))
                        var skew = 0
                        for _ in 0..<150 {
                            let id = ids.randomElement(using: &random)!
                            let before = try await store.flow(id: id)
                            guard let loaded = try await dispatcher.load(flowID: id) else { continue }
                            if loaded.outcome == .skew {
                                skew += 1
                                // Left exactly as it was (unless a newer worker changed it meanwhile).
                                #expect(loaded.flow.migrationVersion == 3)
                                #expect(before?.migrationVersion != 3 || loaded.flow == before)
                            }
                        }
                        return skew
                    }
                }
                var total = 0
                for try await skew in group { total += skew }
                return total
            }
            let final = try await MigrationSweep(store: store, migrator: newMigrator).run()
            #expect(final.total(.skew) == 0)

            let flows = try await Self.snapshot(store)
            #expect(flows.count == messages.count)
            for (id, flow) in flows {
                let events = try await store.events(flowID: id)
                if flow.status == .failed {
                    #expect(events.last?.outcome == "fail", "flow \(id)")
                } else {
                    #expect(flow.migrationVersion == 3, "flow \(id)")
                }
                // The events form one chain from version 0 upwards; no step goes back.
                var version = 0
                for event in events where event.outcome != "fail" {
                    #expect(event.fromVersion == version && event.toVersion > version, "flow \(id): \(events)")
                    version = event.toVersion
                }
            }
            // The old workers' dispatchers met flows the new workers had migrated (over 200 of
            // 3,500 at any time, 300 random loads) and left them alone.
            #expect(skewSeen > 0)
            await store.close()
        }
    }
}
