import FlowEngine
import FlowMigration

/// Stream migration throughput: 100,000 Selinon-shaped dispatcher messages (UUID ids, about
/// 770 bytes each) through chains of 1, 10 and 50 migrations, next to a plain copy of the same
/// lines (the floor) measured in the same run.
enum ApplyBenchmark {
    static func run(states count: Int, chains: [Int], repetitions: Int) {
        var random = SeededGenerator(seed: 7)
        let lines = (0..<count).map { _ in line(&random) }
        let bytes = lines.reduce(0) { $0 + $1.count + 1 }
        print("\(count) states, \(bytes / count) bytes each on average")
        let copy = Measurement.median(repetitions) {
            var output: [UInt8] = []
            output.reserveCapacity(bytes)
            for line in lines {
                output.append(contentsOf: line)
                output.append(UInt8(ascii: "\n"))
            }
            precondition(output.count == bytes)
        }
        print("plain copy of the lines (floor):   \(rate(count, copy))")
        for length in chains {
            let chain = MigrationChain(migrations: (1...length).map { migration($0, random: &random) })
            let migrator = StreamMigrator(migrator: Migrator(chain: chain))
            var outcomes: [String: Int] = [:]
            let time = Measurement.median(repetitions) {
                var output: [UInt8] = []
                output.reserveCapacity(bytes + count * 8)
                outcomes = [:]
                for line in lines {
                    let report = line.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
                    outcomes[report.outcome.rawValue, default: 0] += 1
                    output.append(UInt8(ascii: "\n"))
                }
            }
            let summary = outcomes.keys.sorted().map { "\($0) \(outcomes[$0]!)" }.joined(separator: ", ")
            print("chain of \(length) migration\(length == 1 ? "" : "s"): \(rate(count, time))  "
                + "(\(String(format2: Measurement.seconds(time) / Measurement.seconds(copy)))× the floor; \(summary))")
        }
    }

    private static func rate(_ count: Int, _ duration: Duration) -> String {
        let perSecond = Double(count) / Measurement.seconds(duration)
        return "\(Int(perSecond.rounded())) states/s (\(Measurement.format(duration)))"
    }

    static let flowEdges = 24

    /// A realistic in-flight message of a 24-edge flow at version 0.
    static func line(_ random: inout SeededGenerator) -> [UInt8] {
        func uuid() -> String {
            let hex = Array("0123456789abcdef")
            let digits = (0..<32).map { _ in hex[random.below(16)] }
            return String(digits[0..<8]) + "-" + String(digits[8..<12]) + "-" + String(digits[12..<16]) + "-"
                + String(digits[16..<20]) + "-" + String(digits[20..<32])
        }
        let finished = (0..<6).map { "\"Task\($0)\": [\"\(uuid())\"]" }.joined(separator: ", ")
        let active = (6..<8).map { "{\"name\": \"Task\($0)\", \"id\": \"\(uuid())\"}" }.joined(separator: ", ")
        let waiting = (1..<9).map(String.init).joined(separator: ", ")
        let triggered = (0..<7).map(String.init).joined(separator: ", ")
        let text = "{\"flow_name\": \"flow\(random.below(4))\", \"node_args\": {\"ecosystem\": \"pypi\", \"name\": \"requests\", "
            + "\"version\": \"2.31.0\"}, \"parent\": null, \"retried_count\": 0, \"retry\": 2, \"selective\": false, "
            + "\"migration_version\": 0, \"dispatcher_id\": \"\(uuid())\", \"state\": {\"active_nodes\": [\(active)], "
            + "\"finished_nodes\": {\(finished)}, \"failed_nodes\": {}, \"waiting_edges\": [\(waiting)], "
            + "\"triggered_edges\": [\(triggered)]}}"
        return Array(text.utf8)
    }

    /// A migration that inserts an edge mid-flow in every flow (renumbering the edges after it)
    /// and adds an edge from a running task, so states are rewritten and edges armed.
    static func migration(_ version: Int, random: inout SeededGenerator) -> Migration {
        var flows: [String: EdgeMigration] = [:]
        for flow in 0..<4 {
            let inserted = 10 + random.below(10)
            var entry = EdgeMigration()
            for old in inserted..<(flowEdges + version) { entry.translation[old] = old + 1 }
            entry.taintingNodes[inserted] = ["Task7"]
            flows["flow\(flow)"] = entry
        }
        return Migration(flows: flows, strategy: .ignore)
    }
}
