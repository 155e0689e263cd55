import ArgumentParser
import FlowConfig
import FlowEngine
import FlowMigration
import FlowStore
import Foundation

extension SelinonMigrate {
    /// `simulate`: plausible in-flight flows of a configuration.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "simulate",
            abstract: "Start flows of a configuration and stop them at random points: in-flight states for a store or JSON lines.",
            // Written out: past 12 options the parser would shorten it to "simulate <options>".
            usage: """
                selinon-migrate simulate [--nodes-definition <file>] [--flow-definitions <path> ...] [--max-file-size <size>] \
                [--flows <flow> ...] [--count <count>] [--seed <seed>] [--failure-rate <failure-rate>] \
                [--migration-version <migration-version>] [--store <url> [--skip-identical] [--store-timeout <seconds>] | --output <file>] [--quiet]
                """,
            discussion: """
                Each flow is started and advanced a random number of dispatcher runs by Selinon's \
                rules (the flow engine): random nodes finish, some fail (--failure-rate), conditions \
                and foreach fan-out are decided at random. It stops while the flow still runs and \
                writes it as a dispatcher message — flow_name, node_args, parent, retried_count, \
                retry, selective, migration_version, dispatcher_id, state — to a store (--store, \
                created if needed) or JSON lines (--output). The same --seed gives the same flows.

                Conditions that read node arguments are decided at random too, while every \
                message carries empty node_args: the states are right for migrations (which do \
                not read node_args), but a dispatcher continuing them judges later conditions on \
                empty arguments.

                A store is written 500 flows per transaction: when a run stops part way, the flows \
                written stay; run the same command with --skip-identical to write the rest.

                Example (the quickstart):
                  selinon-migrate simulate \\
                      -n examples/package-analysis/v1/nodes.yml \\
                      -f examples/package-analysis/v1/flows \\
                      --count 200 --store sqlite:.selinon/flows.sqlite

                Exit codes: 0 written; 1 the configuration is invalid, a flow unknown, no flow could \
                be caught running (nothing is written), the store \
                already holds a flow id (with --skip-identical: with another message or status), or the store's location is unusable (a missing directory \
                above it, something else there, a newer store) or the output's directory does not \
                exist; 2 the store or the output could not \
                be written; 64 usage error.
                """)

        @OptionGroup var location: ConfigLocationOptions

        @Option(parsing: .upToNextOption, help: ArgumentHelp("Only these flows, in any order (default: every flow).", valueName: "flow"))
        var flows: [String] = []

        @Option(parsing: .unconditional, help: "How many in-flight flows to write.")
        var count = 100

        @Option(parsing: .unconditional, help: "The seed of the random choices (default: 1): the same seed gives the same flows and flow ids.", transform: { text in
            guard let seed = UInt64(text) else {
                throw ValidationError("'\(text)' is not a seed: give a whole number from 0 to \(UInt64.max)")
            }
            return seed
        })
        var seed: UInt64 = 1

        @Option(name: .customLong("failure-rate"), parsing: .unconditional, help: "The chance that a node fails when it ends.")
        var failureRate = 0.05

        @Option(name: .customLong("migration-version"), parsing: .unconditional, help: "The migration_version the states are written for.")
        var migrationVersion = 0

        @Option(help: ArgumentHelp("Write to a store (sqlite:PATH or postgres://…) instead of --output.",
                                   discussion: "Only the store named here: never $SELINON_MIGRATE_STORE, which names a real one.",
                                   valueName: "url"))
        var store: String?

        @Option(name: .customLong("store-timeout"), parsing: .unconditional,
                help: ArgumentHelp("With --store: how long to wait for the store before giving up, in seconds, as for import "
                                   + "(PostgreSQL: a batch, default \(StoreOptions.defaultStoreTimeout); SQLite: another process's lock, "
                                   + "default \(StoreOptions.defaultSQLiteLockTimeout)).", valueName: "seconds"))
        var storeTimeout: Int?

        @Flag(name: .customLong("skip-identical"),
              help: "With --store: skip flows the store holds already with the same message (to finish a run that stopped part way).")
        var skipIdentical = false

        @Option(help: ArgumentHelp("Where the JSON lines go ('-' for standard output) when there is no --store. (default: -)",
                                   valueName: "file"))
        var output: String?

        @Flag(help: "No progress display (shown on standard error for a run longer than a moment).")
        var quiet = false

        /// `--store` and `--store-timeout` as the store commands take them (not parsed: set here);
        /// nil without `--store` — never `$SELINON_MIGRATE_STORE`.
        private var storeOptions: StoreOptions? {
            guard let store else { return nil }
            var options = StoreOptions()
            options.store = store
            options.storeTimeout = storeTimeout
            return options
        }

        func validate() throws {
            guard count > 0 else { throw ValidationError("--count must be at least 1.") }
            guard count <= Self.maxCount else { throw ValidationError("--count must be at most \(Self.maxCount) (100 million).") }
            guard (0...1).contains(failureRate) else { throw ValidationError("--failure-rate is a probability (0…1).") }
            guard migrationVersion >= 0 else { throw ValidationError("--migration-version must be 0 or more.") }
            if store != nil && migrationVersion > NewFlow.maximumMigrationVersion {
                throw ValidationError("--migration-version must be at most \(NewFlow.maximumMigrationVersion) with --store (what a store keeps).")
            }
            if store != nil && output != nil { throw ValidationError("--store and --output exclude each other.") }
            if skipIdentical && store == nil { throw ValidationError("--skip-identical needs --store (a JSON-lines file is written whole or not at all).") }
            if storeTimeout != nil && store == nil { throw ValidationError("--store-timeout needs --store.") }
            try storeOptions?.validate()
            if output?.isEmpty == true { throw ValidationError("--output needs a file name ('-' for standard output).") }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment)
            let configuration = try terminal.loadConfiguration(try location.source(environment: environment),
                                                               with: location.loader(environment: environment), role: "current")
            if let output, let file = ([configuration.nodesFile] + configuration.flowFiles).first(where: {
                OutputSink.wouldReplace($0, writingTo: output)
            }) {
                let named = output == file ? "'\(file)'" : "'\(output)' (which is \(file))"
                terminal.message("error: --output names the configuration file \(named), which the lines would replace: "
                    + "give the output a file of its own")
                throw ExitCode.validationFailure
            }
            // A set: the order (or a repeat) of --flows changes nothing, so a seed makes the same flows.
            let names = flows.isEmpty ? configuration.flows.keys.sorted() : Array(Set(flows)).sorted()
            if let unknown = names.first(where: { configuration.flows[$0] == nil }) {
                terminal.message("error: there is no flow '\(unknown)' (flows: \(configuration.flows.keys.sorted().joined(separator: ", ")))")
                throw ExitStatus.inputFailed
            }
            let simulators = names.map { FlowSimulator(engine: FlowDispatcher(flow: configuration.flows[$0]!, of: configuration), failureRate: failureRate) }
            var random = SeededGenerator(seed: seed)
            var produced = 0
            var producedFlows = Set<String>()
            var attempts = 0
            /// Attempts per flow (by position in `names`): one never caught in many is said.
            var attemptsOf = [Int](repeating: 0, count: names.count)
            // Runs of a million flows take minutes: say how far they are, once a line's interval has passed.
            let progress = ProgressDisplay(unit: "flows", quiet: quiet, alwaysSummarize: false, besideOutputs: storeOptions == nil ? [output ?? "-"] : [])
            // The messages are made and written a batch at a time, so --count is not bounded by memory.
            let nextBatch = { () -> [[UInt8]] in
                var lines: [[UInt8]] = []
                while lines.count < Self.batchSize && produced < count && attempts < count * 20 {
                    attempts += 1
                    let which = Int.random(in: 0..<simulators.count, using: &random)
                    attemptsOf[which] += 1
                    guard let state = simulators[which].state(seed: random.next()) else { continue }
                    var ids = RandomDecisions(seed: random.next())
                    let message = DispatcherMessage(flowName: names[which], migrationVersion: migrationVersion, state: state, otherKeys: [
                        "node_args": .object([:]), "parent": .null, "retried_count": .number(JSONNumber(0)), "retry": .number(JSONNumber(2)),
                        "selective": .bool(false), "dispatcher_id": .string(ids.newID(for: names[which])),
                    ])
                    lines.append(message.jsonBytes)
                    produced += 1
                    producedFlows.insert(names[which])
                }
                progress.update(done: produced, total: count)
                return lines
            }
            // A configuration in which no flow stays running writes nothing at all: an empty
            // file or store would pass for a set of in-flight states.
            var firstBatch: [[UInt8]]? = nextBatch()
            if firstBatch?.isEmpty == true {
                progress.finish(stopped: true)
                terminal.message("error: no flow of \(names.joined(separator: ", ")) could be caught running in \(attempts) attempts: "
                    + "each ended at once or never started (do its starting edges' conditions never hold?); nothing was written")
                throw ExitStatus.inputFailed
            }
            let batches = { () -> [[UInt8]] in
                defer { firstBatch = nil }
                return firstBatch ?? nextBatch()
            }
            var skipped = 0
            if let storeOptions {
                skipped = try await write(batches, to: storeOptions, terminal: terminal, progress: progress)
            } else {
                var sink: OutputSink?
                do {
                    let opened = try OutputSink(path: output ?? "-")
                    sink = opened
                    InterruptCleanup.say(onInterrupt: OutputSink.interruptNote([opened]), ignoringClosedPipes: false)
                    while case let lines = batches(), !lines.isEmpty {
                        try opened.write(lines.flatMap { $0 + [UInt8(ascii: "\n")] })
                    }
                    try opened.commit()
                } catch {
                    sink?.discard()  // no half-written file left behind
                    progress.finish(stopped: true)
                    // (Standard output or a pipe keeps what it got; a file is not written at all.)
                    let kept = sink?.writesDirectly == true ? "" : "; nothing was written"
                    terminal.message("error: \(error)\(kept)" + OutputSinkError.hintLine(of: error))
                    throw OutputSinkError.exitStatus(of: error)
                }
            }
            progress.finish()
            if produced < count {
                terminal.message("warning: only \(produced) of \(counted(count, "flow")) could be caught running (their flows end at once?)")
            }
            // A flow never caught running in many attempts (not merely unlucky in a small --count)
            // has no states among those written: said, or a deploy test would take it for covered.
            // A flow that cannot run at all is said whatever the count.
            let neverRun = names.indices.filter { simulators[$0].engine.neverRuns }
            if !neverRun.isEmpty {
                let flows = neverRun.map { names[$0] }
                terminal.message("warning: \(flows.count == 1 ? "flow" : "flows") \(flows.joined(separator: ", ")) never "
                    + "\(flows.count == 1 ? "runs" : "run"): every starting edge has a condition that never holds (alwaysFalse) or starts "
                    + "nowait nodes only, so the states written have none of \(flows.count == 1 ? "it" : "them")")
            }
            let neverCaught = names.indices.filter {
                attemptsOf[$0] >= Self.attemptsBeforeSayingNever && !producedFlows.contains(names[$0]) && !simulators[$0].engine.neverRuns
            }
            if !neverCaught.isEmpty {
                let flows = neverCaught.map { names[$0] }
                terminal.message("warning: no flow of \(flows.joined(separator: ", ")) could be caught running in "
                    + "\(neverCaught.map { attemptsOf[$0] }.min()!) attempts or more: \(flows.count == 1 ? "it ends" : "they end") at once or never "
                    + "\(flows.count == 1 ? "starts" : "start") (do the starting edges' conditions never hold?), so the states written have none of "
                    + "\(flows.count == 1 ? "it" : "them")")
            }
            // The flows written, once each (a flow whose start never runs has none); with none
            // written, the flows asked for.
            var named = Set<String>()
            var written = names.filter { producedFlows.contains($0) && named.insert($0).inserted }
            if written.isEmpty { written = names.filter { named.insert($0).inserted } }
            let flowNames = written.count <= 5 ? written.joined(separator: ", ") : counted(written.count, "flow")
            let already = skipped == 0 ? "" : " (\(counted(skipped, "identical flow")) already in the store, skipped)"
            // Where they went and at which version: what `apply` (or `import`) takes next.
            let destination = store.map { " into " + ((try? StoreLocation(parsing: $0))?.description ?? "the store") }
                ?? output.flatMap { OutputSink.isStandardOutput($0) ? nil : " into \($0)" } ?? ""
            terminal.message("simulated \(counted(produced, "in-flight flow")) of \(flowNames)\(destination), at migration version "
                + "\(migrationVersion)\(already)")
        }

        /// Messages made and written per batch (one store transaction each).
        private static let batchSize = 500
        /// How many attempts at a flow, none caught running, make a warning that it never is.
        private static let attemptsBeforeSayingNever = 20
        /// The most flows one run makes: more is a typo, not a test store.
        static let maxCount = 100_000_000

        /// Inserts the batches into the store, one transaction each; a failure says how many
        /// flows the earlier batches had written. Returns how many flows were there already
        /// (with `--skip-identical`).
        private func write(_ nextBatch: () -> [[UInt8]], to options: StoreOptions, terminal: Terminal, progress: ProgressDisplay) async throws -> Int {
            InterruptCleanup.say(onInterrupt: "interrupted: the flows written so far stay in the store; run the same command again with "
                + "--skip-identical to write the rest" + options.interruptedWriteNote)
            let opened: any FlowStateStore
            do {
                opened = try await options.open(terminal: terminal, createIfMissing: true)
            } catch {
                progress.finish(stopped: true)
                throw error
            }
            var written = 0, skipped = 0
            do {
                while case let lines = nextBatch(), !lines.isEmpty {
                    let already = try await opened.insert(try lines.map { try NewFlow(message: $0) }, existing: skipIdentical ? .skipIdentical : .reject)
                    written += lines.count - already
                    skipped += already
                }
                await terminal.close(opened)
                return skipped
            } catch {
                progress.finish(stopped: true)
                await terminal.close(opened)
                var before = written == 0 ? "nothing was written" : "the \(counted(written, "flow")) written before it stay in the store"
                if (error as? StoreError)?.isCommitInDoubt == true { before += "; those of the batch whose COMMIT is in doubt may be there too" }
                terminal.message("error: \((error as? StoreError)?.message ?? "\(error)") (\(before))")
                if (error as? StoreError)?.kind == .duplicateFlow {
                    // The ids come from the seed: running again with the same one makes the same flows.
                    terminal.message("  hint: the flow ids follow from --seed (\(seed) here): if an earlier run of this command stopped "
                        + "part way, run it again with --skip-identical; to add flows, use another --seed, or another store")
                } else if written > 0 || (error as? StoreError)?.isCommitInDoubt == true {
                    terminal.message("  hint: once the cause is fixed, run the same command with --skip-identical to write the rest")
                }
                throw (error as? StoreError)?.isToolFailure == false ? ExitStatus.inputFailed : ExitStatus.toolFailed
            }
        }
    }
}
