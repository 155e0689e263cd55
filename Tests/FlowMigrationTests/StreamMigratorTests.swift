import FlowEngine
import FlowMigration
import Foundation
import Testing

/// The byte-level stream migrator must agree with the typed ``Migrator`` on every message:
/// same outcome, same taints, same resulting JSON — checked on seeded random messages.
struct StreamMigratorTests {
    /// The engine's SplitMix64, so failures reproduce from the printed seed.
    typealias Random = SeededGenerator

    static let nodes = ["T0", "T1", "T2", "T3", "T4"]
    static let flows = ["flow1", "flow2"]

    static func randomChain(_ random: inout Random) -> [Migration] {
        (0..<(1 + random.below(3))).map { _ in
            var flows: [String: EdgeMigration] = [:]
            for flow in Self.flows where random.chance(70) {
                // Like a real migration, old edges map injectively: a permutation of 0…6
                // renumbers, some old edges are removed, and new edges take the free indices.
                var entry = EdgeMigration()
                let permutation = Array(0..<7).shuffledDeterministically(&random)
                var used = Set<Int>()
                for old in 0..<7 {
                    if random.chance(20) {
                        entry.translation[old] = .some(nil)
                        if random.chance(70) {
                            entry.taintedEdges[old] = TaintedEdge(from: [Self.nodes[random.below(5)]], to: [Self.nodes[random.below(5)]],
                                                                  condition: .object(["name": .string("alwaysTrue")]))
                        }
                    } else {
                        used.insert(permutation[old])
                        if permutation[old] != old { entry.translation[old] = permutation[old] }
                    }
                }
                for new in 0..<7 where !used.contains(new) && random.chance(30) {
                    entry.taintingNodes[new] = Array(Set((0..<(1 + random.below(2))).map { _ in Self.nodes[random.below(5)] })).sorted()
                }
                flows[flow] = entry
            }
            return Migration(flows: flows, strategy: TaintedFlowStrategy.allCases[random.below(3)])
        }
    }

    static func randomLine(_ random: inout Random, latest: Int) -> String {
        var members: [String] = ["\"flow_name\": \"\(flows[random.below(2)])\""]
        if random.chance(80) {
            members.append(random.chance(10) ? "\"migration_version\": null" : "\"migration_version\": \(random.below(latest + 2))")
        }
        members.append("\"node_args\": {\"url\": \"https://example.org/é\\u00e9\", \"n\": [1.50, {\"deep\": null}]}")
        if random.chance(50) { members.append("\"retry\": \(random.below(30))") }
        if random.chance(25) {
            let edges = random.subset(of: 0..<6, percent: 40).map { "\"\($0)\": [\"T\($0 % 5)\"]" }.joined(separator: ", ")
            members.append("\"selective\": {\"task_names\": [\"T1\"], \"waiting_edges_subset\": {\"\(flows[random.below(2)])\": {\(edges)}}}")
        } else if random.chance(30) {
            members.append("\"selective\": false")
        }
        if random.chance(85) {
            var state: [String] = []
            let active = random.subset(of: 0..<5, percent: 35)
            let finished = random.subset(of: 0..<5, percent: 40)
            state.append("\"active_nodes\": [" + active.map { "{\"name\": \"T\($0)\", \"id\": \"a-\($0)\"}" }.joined(separator: ", ") + "]")
            state.append("\"finished_nodes\": {" + finished.map { "\"T\($0)\": [\"f-\($0)\"]" }.joined(separator: ", ") + "}")
            state.append("\"failed_nodes\": {}")
            if random.chance(90) { state.append("\"waiting_edges\": [" + random.subset(of: 0..<6, percent: 40).map(String.init).joined(separator: ", ") + "]") }
            if random.chance(90) { state.append("\"triggered_edges\": [" + random.subset(of: 0..<6, percent: 50).map(String.init).joined(separator: ", ") + "]") }
            members.append("\"state\": {" + state.joined(separator: ", ") + "}")
        } else if random.chance(50) {
            members.append("\"state\": null")
        }
        return "{" + members.shuffledDeterministically(&random).joined(separator: ", ") + "}"
    }

    /// A message with what Selinon reads as absent removed: a null `state`, empty lists and
    /// maps in the state (the typed API writes them out, the stream keeps them absent).
    static func normalized(_ value: JSONValue) -> JSONValue {
        guard case .object(var members) = value else { return value }
        if members["state"] == .null { members["state"] = nil }
        if case .object(var state)? = members["state"] {
            for (key, item) in state where item == .array([]) || item == .object([:]) { state[key] = nil }
            members["state"] = .object(state)
        }
        return .object(members)
    }

    @Test func agreesWithTheTypedMigratorOnRandomMessages() throws {
        var random = Random(seed: 20_261_130)
        var outcomes: [String: Int] = [:]
        for round in 0..<300 {
            let migrations = Self.randomChain(&random)
            let migrator = Migrator(chain: MigrationChain(migrations: migrations),
                                    policy: random.chance(20) ? TaintPolicy(overrides: ["*": .ignore]) : TaintPolicy())
            for _ in 0..<10 {
                let line = Self.randomLine(&random, latest: migrations.count)
                let bytes = Array(line.utf8)
                var output: [UInt8] = []
                let report = bytes.withUnsafeBufferPointer { StreamMigrator(migrator: migrator).migrate(line: $0, into: &output) }
                outcomes[report.outcome.rawValue, default: 0] += 1
                let original = try JSONParser().parse(bytes)
                let produced = try JSONParser().parse(output)
                let typed: MigrationOutcome
                do {
                    typed = try migrator.migrate(try DispatcherMessage(jsonBytes: bytes))
                } catch {
                    #expect(report.outcome == .invalid, "round \(round): \(line)")
                    #expect(report.error == error)
                    #expect(output == bytes)
                    continue
                }
                #expect(report.outcome.rawValue == typed.name, "round \(round): \(line)")
                #expect(report.taints == typed.taints, "round \(round): \(line)")
                switch typed {
                case .migrated(let message, _, _, _), .retry(let message, _, _, _):
                    let expected = String(decoding: JSONWriter.compact(Self.normalized(message.jsonValue)), as: UTF8.self)
                    let actual = String(decoding: JSONWriter.compact(Self.normalized(produced)), as: UTF8.self)
                    #expect(actual == expected, "round \(round): \(line)")
                case .upToDate, .fail, .skew:
                    #expect(produced == original)
                    #expect(output == bytes, "unchanged lines are copied byte for byte")
                }
            }
        }
        // Every outcome is exercised (but the one of lines `export` wrote for failed flows, which Selinon's messages never are).
        #expect(Set(outcomes.keys) == Set(LineReport.Outcome.allCases.map(\.rawValue).filter { $0 != "invalid" && $0 != "already_failed" }))
    }

    @Test func untouchedBytesSurviveExactly() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let line = #"{"flow_name":"ingest","node_args":{"b": 2.50, "a":"\u00e9"}, "migration_version":0,"state":{"waiting_edges":[2],"triggered_edges":[0,1,2],"active_nodes":[],"finished_nodes":{}}}"#
        var output: [UInt8] = []
        let report = Array(line.utf8).withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration]))).migrate(line: $0, into: &output)
        }
        #expect(report.outcome == .migrated)
        #expect(String(decoding: output, as: UTF8.self)
                == #"{"flow_name":"ingest","node_args":{"b": 2.50, "a":"\u00e9"}, "migration_version":1,"state":{"waiting_edges":[3],"triggered_edges":[0, 1, 3],"active_nodes":[],"finished_nodes":{}}}"#)
    }

    /// A state without `waiting_edges` gets none written when nothing is armed: the line changes
    /// only where the typed migrator's message does.
    @Test func aMissingWaitingListIsNotAdded() throws {
        let migration = Migration(flows: ["f": EdgeMigration(translation: [0: 1, 1: 0])], strategy: .ignore)
        let line = #"{"flow_name":"f","migration_version":0,"state":{"active_nodes":[{"name":"B","id":"1"}],"finished_nodes":{"A":["0"]},"triggered_edges":[0]}}"#
        var output: [UInt8] = []
        let report = Array(line.utf8).withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration]))).migrate(line: $0, into: &output)
        }
        #expect(report.outcome == .migrated)
        #expect(String(decoding: output, as: UTF8.self)
                == #"{"flow_name":"f","migration_version":1,"state":{"active_nodes":[{"name":"B","id":"1"}],"finished_nodes":{"A":["0"]},"triggered_edges":[1]}}"#)
    }

    /// A line `export` wrote for a flow its store failed stays as it is, as the store leaves the
    /// flow; one the store asked to retry is an ordinary message.
    /// Members Selinon's dispatcher reads with a type it cannot use make the line invalid on the
    /// stream's fast path and in the typed decoder alike (they would crash the dispatcher).
    @Test(arguments: [
        (#""dispatcher_id": 5"#, "dispatcher_id must be a string, found a number"),
        (#""dispatcher_id": null"#, "dispatcher_id must be a string, found null"),
        (#""parent": 5"#, "parent must be an object or null, found a number"),
        (#""parent": ["a"]"#, "parent must be an object or null, found an array"),
        (#""retried_count": "x""#, "retried_count must be a non-negative integer or null, found a string"),
        (#""retried_count": -3"#, "retried_count must be a non-negative integer or null, found -3"),
        (#""retried_count": 1.5"#, "retried_count must be a non-negative integer or null, found 1.5"),
        (#""retry": "soon""#, "retry must be a number or null, found a string"),
        (#""retry": true"#, "retry must be a number or null, found a boolean"),
    ])
    func dispatcherMembersOfAnotherTypeAreInvalid(_ member: String, _ message: String) throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration])))
        let line = #"{"flow_name": "ingest", "migration_version": 0, "state": {"waiting_edges": [2]}, "# + member + "}"
        var output: [UInt8] = []
        let report = Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
        #expect(report.outcome == .invalid)
        #expect(report.error == StateError(.wrongType, message))
        #expect(String(decoding: output, as: UTF8.self) == line, "copied unchanged")
        let decoded = #expect(throws: StateError.self) { try DispatcherMessage(jsonBytes: Array(line.utf8)) }
        #expect(decoded == StateError(.wrongType, message))
        // The types Selinon writes pass.
        let valid = #"{"flow_name": "ingest", "dispatcher_id": "a-1", "parent": null, "retried_count": 0, "retry": 2.5, "state": null}"#
        _ = try DispatcherMessage(jsonBytes: Array(valid.utf8))
        let passed = Array(valid.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
        #expect(passed.outcome == .migrated)
        // The same from an array or Data, as a service holds a message.
        var fromArray: [UInt8] = [], fromData: [UInt8] = []
        #expect(migrator.migrate(line: Array(valid.utf8), into: &fromArray).outcome == .migrated)
        #expect(migrator.migrate(line: Data(valid.utf8), into: &fromData).outcome == .migrated)
        #expect(fromArray == fromData && !fromArray.isEmpty)
    }

    @Test func aLineOfAFailedFlowIsLeftAsTheStoreLeavesIt() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration])))
        let state = #""migration_version": 0, "state": {"waiting_edges": [2], "triggered_edges": [], "active_nodes": [], "finished_nodes": {}}"#
        for (status, expected) in [("failed", LineReport.Outcome.alreadyFailed), ("retry_requested", .migrated)] {
            let line = #"{"flow_name": "ingest", "#  + state + #", "selinon_migrate_status": "\#(status)"}"#
            var output: [UInt8] = []
            let report = Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
            #expect(report.outcome == expected, "\(status)")
            #expect((String(decoding: output, as: UTF8.self) == line) == (expected == .alreadyFailed), "\(status)")
        }
        // A status no store writes (a hand edit: 'FAILED') is not taken for running: the line is invalid.
        for status in ["FAILED", "bogus"] {
            let line = #"{"flow_name": "ingest", "#  + state + #", "selinon_migrate_status": "\#(status)"}"#
            var output: [UInt8] = []
            let report = Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
            #expect(report.outcome == .invalid)
            #expect(report.error == StateError(.invalidValue, "selinon_migrate_status is '\(status)'; expected one of running, retry_requested, failed"))
            #expect(String(decoding: output, as: UTF8.self) == line, "copied unchanged")
        }
        // The same rules on the stream's fast path: a version beyond 64 bits is named as such.
        let huge = #"{"flow_name": "ingest", "migration_version": 18446744073709551616, "state": null}"#
        var hugeOutput: [UInt8] = []
        let hugeReport = Array(huge.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &hugeOutput) }
        #expect(hugeReport.outcome == .invalid && hugeReport.error?.kind == .invalidValue, "\(String(describing: hugeReport.error))")
        let retried = #"{"flow_name": "ingest", "retried_count": 18446744073709551616, "state": null}"#
        var retriedOutput: [UInt8] = []
        let retriedReport = Array(retried.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &retriedOutput) }
        #expect(retriedReport.error?.message.hasPrefix("retried_count 18446744073709551616 is larger than 9223372036854775807") == true,
                "\(String(describing: retriedReport.error))")
        // A leading zero is not JSON (Python refuses it), not a huge number.
        let zero = #"{"flow_name": "ingest", "migration_version": 01, "state": null}"#
        var zeroOutput: [UInt8] = []
        let zeroReport = Array(zero.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &zeroOutput) }
        #expect(zeroReport.error == StateError(.malformed, "not valid JSON: migration_version is a number with a leading zero"), "\(String(describing: zeroReport.error))")
        // The same in every other integer, and NaN or Infinity (which Python reads) named as what they are.
        for (line, message) in [
            (#"{"flow_name": "ingest", "retried_count": 01, "state": null}"#, "not valid JSON: retried_count is a number with a leading zero"),
            (#"{"flow_name": "ingest", "state": {"waiting_edges": [01], "triggered_edges": [], "active_nodes": [], "finished_nodes": {}}}"#,
             "not valid JSON: state.waiting_edges[0] is a number with a leading zero"),
            (#"{"flow_name": "ingest", "retry": NaN, "state": null}"#, "retry must be a number or null, found NaN"),
            (#"{"flow_name": "ingest", "retry": Infinity, "state": null}"#, "retry must be a number or null, found Infinity"),
            (#"{"flow_name": "ingest", "retry": -Infinity, "state": null}"#, "retry must be a number or null, found -Infinity"),
            // A number beyond a float's range, which Python reads as infinity.
            (#"{"flow_name": "ingest", "retry": 1E400, "state": null}"#,
             "retry 1E400 is beyond the range of a 64-bit floating-point number (Python reads it as infinity): give the countdown in seconds, or null"),
            (#"{"flow_name": "ingest", "retry": -2e999, "state": null}"#,
             "retry -2e999 is beyond the range of a 64-bit floating-point number (Python reads it as infinity): give the countdown in seconds, or null"),
            // An integer that long Python reads as an int — too large a countdown all the same.
            (#"{"flow_name": "ingest", "retry": 1"# + String(repeating: "0", count: 400) + #", "state": null}"#,
             "retry 1" + String(repeating: "0", count: 400) + " is beyond the range of a 64-bit floating-point number "
                + "(no countdown the dispatcher can schedule): give the countdown in seconds, or null"),
        ] {
            var output: [UInt8] = []
            let report = Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
            #expect(report.outcome == .invalid && report.error?.message == message, "\(line): \(String(describing: report.error))")
            // The typed decoder agrees about retry.
            guard message.hasPrefix("retry") else { continue }
            let decoded = #expect(throws: StateError.self) { try DispatcherMessage(jsonBytes: Array(line.utf8)) }
            #expect(decoded?.message == message, "\(line): \(String(describing: decoded))")
        }
        // The largest float and the smallest subnormal are numbers like any other.
        for retry in ["1.7976931348623157e308", "4.9e-324", "1e-400"] {
            let line = #"{"flow_name": "ingest", "retry": "# + retry + #", "state": null}"#
            var output: [UInt8] = []
            #expect(Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }.outcome != .invalid, "\(retry)")
            _ = try DispatcherMessage(jsonBytes: Array(line.utf8))
        }
        // Two messages in one line, with a carriage return between: lines ended by CR alone, said so.
        let crOnly = #"{"flow_name": "ingest", "state": null}"# + "\r" + #"{"flow_name": "ingest", "state": null}"#
        var crOutput: [UInt8] = []
        let crReport = Array(crOnly.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &crOutput) }
        #expect(crReport.outcome == .invalid && crReport.error?.message.contains("the lines end in CR alone (classic Mac OS)") == true,
                "\(String(describing: crReport.error))")
        // Where any value may be, -Infinity (Python's json.dumps of float('-inf')) is one, kept as written.
        let negative = #"{"flow_name": "ingest", "node_args": {"low": -Infinity, "high": Infinity}, "state": null}"#
        var negativeOutput: [UInt8] = []
        let negativeReport = Array(negative.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &negativeOutput) }
        #expect(negativeReport.outcome != .invalid, "\(String(describing: negativeReport.error))")
        #expect(String(decoding: negativeOutput, as: UTF8.self).contains(#""node_args": {"low": -Infinity, "high": Infinity}"#))
        // Deeper than the parser reads: named as this tool's limit, not as invalid JSON.
        let deep = #"{"flow_name": "ingest", "node_args": "# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        var deepOutput: [UInt8] = []
        let deepReport = Array(deep.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &deepOutput) }
        #expect(deepReport.outcome == .invalid)
        #expect(deepReport.error?.message.hasPrefix("the JSON nests deeper than 512 levels, more than selinon-migrate reads (column ") == true,
                "\(String(describing: deepReport.error))")
        #expect(try DispatcherMessage(jsonBytes: Array(#"{"flow_name": "ingest"}"#.utf8)).flowName == "ingest")
        // A newer line is skew first, failed or not: it belongs to a newer deployment.
        let newer = #"{"flow_name": "ingest", "migration_version": 5, "state": null, "selinon_migrate_status": "failed"}"#
        var output: [UInt8] = []
        #expect(Array(newer.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }.outcome == .skew)
    }

    /// The nesting limit counts every level of the message, wherever the deep value is (a member
    /// of the message, of its state, of an active node, of a selective run): 512 levels in all
    /// pass, 513 do not — as the parser that reads whole messages decides.
    @Test func theNestingLimitCountsEveryLevelWhereverTheValueIs() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration])))
        let state = #""waiting_edges": [], "triggered_edges": [], "finished_nodes": {}"#
        let places: [(level: Int, template: String)] = [
            (2, #"{"flow_name": "ingest", "node_args": X, "state": null}"#),
            (3, #"{"flow_name": "ingest", "state": {"extra": X, "active_nodes": [], "# + state + "}}"),
            (5, #"{"flow_name": "ingest", "state": {"active_nodes": [{"name": "A", "id": "1", "extra": X}], "# + state + "}}"),
            (5, #"{"flow_name": "ingest", "state": null, "selective": {"waiting_edges_subset": {"ingest": {"0": X}}}}"#),
        ]
        for (level, template) in places {
            for total in [512, 513] {
                let arrays = total - level + 1
                let line = template.replacingOccurrences(of: "X", with: String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays))
                var output: [UInt8] = []
                let report = Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
                let refused = report.error?.message.hasPrefix("the JSON nests deeper than 512 levels") == true
                #expect(refused == (total > 512), "level \(level), \(total) levels: \(String(describing: report.error))")
                let parsed = (try? JSONParser().parse(Array(line.utf8))) != nil
                #expect(parsed == !refused, "the parser and the scanner agree: level \(level), \(total) levels")
            }
        }
    }

    /// The line is checked for UTF-8 eight bytes at a time: a byte outside ASCII is found at any
    /// offset, and valid text there passes.
    @Test func aByteThatIsNotUTF8IsFoundWhereverItIs() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration])))
        let suffix = #"", "migration_version": 0, "state": {"waiting_edges": [2], "triggered_edges": [], "active_nodes": [], "finished_nodes": {}}}"#
        for padding in 0..<17 {
            let prefix = #"{"flow_name": "ingest", "node_args": ""# + String(repeating: "x", count: padding)
            for (inserted, valid) in [([UInt8](), true), (Array("é".utf8), true), ([0xFF], false), ([0xC3], false)] {
                let line = Array(prefix.utf8) + inserted + Array(suffix.utf8)
                var output: [UInt8] = []
                let report = line.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
                #expect(report.outcome == (valid ? .migrated : .invalid), "padding \(padding), \(inserted)")
                if !valid { #expect(report.error?.message == "not valid JSON: the line is not valid UTF-8", "padding \(padding)") }
            }
        }
    }

    /// Only JSON's escapes pass, as Python's json decides (a line Selinon cannot load is not
    /// "migrated"), wherever they are; and a long edge list is checked for repeats in linear time.
    @Test func escapesAreJSONsAndLongEdgeListsAreCheckedForRepeats() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration])))
        func migrate(_ text: String) -> LineReport {
            var output: [UInt8] = []
            let line = Array(text.utf8)
            return line.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &output) }
        }
        let state = #""state": {"waiting_edges": [2], "triggered_edges": [], "active_nodes": [], "finished_nodes": {"A": ["a\/\n\u00e9\"b"]}}"#
        #expect(migrate(#"{"flow_name": "ingest", "dispatcher_id": "x\t\\y", "# + state + "}").outcome == .migrated)
        for bad in [#"x\q"#, #"a\-b"#, #"\3"#, #"\u12G4"#, #"\u12"#] {
            let report = migrate(#"{"flow_name": "ingest", "dispatcher_id": ""# + bad + #"", "# + state + "}")
            #expect(report.outcome == .invalid, "\(bad)")
            #expect(report.error?.message.hasPrefix("not valid JSON: ") == true, "\(bad): \(report.error?.message ?? "")")
        }
        // An integer too large for an edge index is said to be one, as the typed reader says it.
        let huge = #"{"flow_name": "ingest", "state": {"waiting_edges": [99999999999999999999999]}}"#
        #expect(migrate(huge).error == StateError(.edgeIndexOutOfRange, "state.waiting_edges[0] is 99999999999999999999999, beyond any edge index"))
        #expect(throws: StateError(.edgeIndexOutOfRange, "state.waiting_edges[0] is 99999999999999999999999, beyond any edge index")) {
            try DispatcherMessage(jsonBytes: Array(huge.utf8))
        }
        let many = (0..<50_000).map(String.init).joined(separator: ", ")
        let repeated = migrate(#"{"flow_name": "ingest", "state": {"waiting_edges": ["# + many + ", 49999]}}")
        #expect(repeated.error?.message == "state.waiting_edges lists edge 49999 twice")
        #expect(throws: StateError(.duplicateEntry, "state.waiting_edges lists edge 49999 twice")) {
            try DispatcherMessage(jsonBytes: Array((#"{"flow_name": "ingest", "state": {"waiting_edges": ["# + many + ", 49999]}}").utf8))
        }
    }

    /// Keys are compared as bytes; one written with escapes is still the same key, as JSON says
    /// and as the typed reader decodes it, and a node name that is not UTF-8 is refused.
    @Test func keysWithEscapesAreTheSameKeys() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let migrator = Migrator(chain: MigrationChain(migrations: [migration]))
        func migrate(_ bytes: [UInt8]) -> (LineReport, [UInt8]) {
            var output: [UInt8] = []
            let report = bytes.withUnsafeBufferPointer { StreamMigrator(migrator: migrator).migrate(line: $0, into: &output) }
            return (report, output)
        }
        let escaped = #"{"flow_\u006eame": "ingest", "st\u0061te": {"waiting_edges": [2], "triggered_\u0065dges": [0, 2]}}"#
        let (report, output) = migrate(Array(escaped.utf8))
        #expect(report.outcome == .migrated)
        #expect(String(decoding: output, as: UTF8.self)
                == #"{"flow_\u006eame": "ingest", "st\u0061te": {"waiting_edges": [3], "triggered_\u0065dges": [0, 3]}, "migration_version": 1}"#)
        let typed = try migrator.migrate(try DispatcherMessage(jsonBytes: Array(escaped.utf8)))
        #expect(typed.name == "migrated")

        // A finished node's name is decoded, so invalid UTF-8 there is an error, as in the typed reader.
        let invalid = Array(#"{"flow_name": "ingest", "state": {"finished_nodes": {"A"#.utf8) + [0xFF]
            + Array(#"": ["1"]}, "waiting_edges": [2]}}"#.utf8)
        let (invalidReport, invalidOutput) = migrate(invalid)
        #expect(invalidReport.outcome == .invalid)
        #expect(invalidReport.error?.message.contains("UTF-8") == true)
        #expect(invalidOutput == invalid, "an invalid line is passed on unchanged")
        #expect(throws: StateError.self) { try DispatcherMessage(jsonBytes: invalid) }

        // Anywhere else too (a payload the scanner skips): the line is not JSON, as Python would find.
        let payload = Array(#"{"flow_name": "ingest", "node_args": {"name": "a"#.utf8) + [0xFF]
            + Array(#""}, "state": {"waiting_edges": [2]}}"#.utf8)
        let (payloadReport, payloadOutput) = migrate(payload)
        #expect(payloadReport.outcome == .invalid)
        #expect(payloadReport.error?.message == "not valid JSON: the line is not valid UTF-8")
        #expect(payloadOutput == payload)

        // A byte order mark is named as one, and a stray byte by its value, not as a Latin-1 character.
        let marked = [0xEF, 0xBB, 0xBF] + Array(#"{"flow_name": "ingest", "state": null}"#.utf8)
        #expect(migrate(marked).0.error?.message.hasPrefix("not valid JSON: a UTF-8 byte order mark (EF BB BF)") == true)
        #expect(migrate([0xC3, 0xA9]).0.error?.message.hasPrefix("not valid JSON: unexpected byte 0xC3") == true)
    }

    @Test func aMissingVersionAndWaitingListAreAdded() throws {
        let migration = Migration(flows: ["ingest": EdgeMigration(taintingNodes: [1: ["A"]])], strategy: .ignore)
        let line = #"{"flow_name": "ingest", "state": {"active_nodes": [{"name": "A", "id": "1"}], "triggered_edges": [0]}}"#
        var output: [UInt8] = []
        _ = Array(line.utf8).withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration]))).migrate(line: $0, into: &output)
        }
        #expect(String(decoding: output, as: UTF8.self)
                == #"{"flow_name": "ingest", "state": {"active_nodes": [{"name": "A", "id": "1"}], "triggered_edges": [0], "waiting_edges": [1]}, "migration_version": 1}"#)
    }
}

extension Array {
    /// A deterministic shuffle driven by the test's generator.
    func shuffledDeterministically(_ random: inout StreamMigratorTests.Random) -> [Element] {
        var result = self
        for index in result.indices.reversed() where index > 0 {
            result.swapAt(index, random.below(index + 1))
        }
        return result
    }
}

extension SeededGenerator {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func subset(of range: Range<Int>, percent: Int) -> [Int] { range.filter { _ in chance(percent) } }
}
