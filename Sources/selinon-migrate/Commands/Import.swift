import ArgumentParser
import FlowMigration
import FlowStore
import Foundation
import MigrationGenerator

extension SelinonMigrate {
    /// `import`: load JSON-lines dispatcher messages into a store.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Add in-flight flows to a store from JSON-lines dispatcher messages.",
            discussion: """
                Reads one dispatcher message per line (the shape apply --input reads and export \
                writes); the flow id is the message's dispatcher_id, the version its \
                migration_version (0 when missing), the status running unless the line carries \
                selinon_migrate_status (written by export; it is taken out of the message, and \
                export appends it at the end of the line). Each message is otherwise stored byte \
                for byte. \
                Empty lines are skipped.

                Lines are added in batches of --batch-size, one transaction each. A line that is not \
                a dispatcher message, has no dispatcher_id, or repeats an id (in the input or in the \
                store) stops the import with its line number: the batches before it are stored, \
                nothing of its batch or after it is.

                With --skip-identical, a line whose flow the store holds already with the same \
                message and status is skipped, so an import that was interrupted or stopped can \
                be run again as it was; a stored flow that differs from its line still stops the \
                import (it is never overwritten).

                Examples:
                  selinon-migrate import --store sqlite:.selinon/flows.sqlite \\
                      --input inflight.jsonl
                  selinon-migrate import --input inflight.jsonl --skip-identical

                Exit codes: 0 every line imported (or skipped as identical); 1 a line was rejected, \
                the input file does not exist or is a directory, or the store's location holds something else or a \
                newer store; 2 the input or the store could not be read or written; 64 usage error.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: ArgumentHelp("The dispatcher messages, one JSON object per line ('-' for standard input).", valueName: "file"))
        var input: String

        @Option(name: .customLong("batch-size"), parsing: .unconditional, help: ArgumentHelp("Flows per transaction.", valueName: "n"))
        var batchSize = 500

        @Flag(name: .customLong("skip-identical"), help: "Skip flows the store holds already with the same message and status (to rerun an interrupted import).")
        var skipIdentical = false

        @Flag(help: "No progress display.")
        var quiet = false

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1.") }
            if input.isEmpty { throw ValidationError("--input needs a file name ('-' for standard input).") }
        }

        func run() async throws {
            let terminal = Terminal()
            let reader: LineReader
            do {
                reader = try LineReader(path: input)
            } catch {
                terminal.message("error: cannot read \(input): \(error.reason)"
                    + error.hintLine(option: "--input", reads: "a file of dispatcher messages, one JSON object per line"))
                throw error.exitStatus
            }
            let name = input == "-" ? "<stdin>" : input
            var importer = BatchImport(inputName: name, existing: skipIdentical ? .skipIdentical : .reject)
            InterruptCleanup.say(onInterrupt: "interrupted before any batch was stored: nothing was imported; run the same import again")
            /// Said from the first batch stored on.
            let storedNote = "interrupted: the batches stored so far stay (the one under way is rolled back); run the same import "
                + "again with --skip-identical to import the rest" + storeOptions.interruptedWriteNote
            var lineNumber = 0
            var storedABatch = false
            // Opened once the first batch has been read: input rejected at once leaves no new, empty store behind.
            var store: (any FlowStateStore)?
            // Lines so far (the input's total is not known before its end), on standard error.
            let progress = ProgressDisplay(unit: "lines", quiet: quiet, alwaysSummarize: false)
            do {
                var batch: [(line: Int, flow: NewFlow)] = []
                while let line = try reader.nextLine() {
                    lineNumber += 1
                    if line.isBlankLine { continue }
                    // A CRLF file's carriage return ends the line; it is not part of the message.
                    batch.append((lineNumber, try importer.flow(line.last == 0x0D ? Array(line.dropLast()) : line, at: lineNumber)))
                    if batch.count == batchSize {
                        if store == nil { store = try await openSayingWhatAnInterruptLeaves(terminal) }
                        try await importer.insert(batch, into: store!)
                        if !storedABatch { InterruptCleanup.say(onInterrupt: storedNote) }
                        storedABatch = true
                        batch.removeAll(keepingCapacity: true)
                        progress.update(done: lineNumber, total: nil)
                    }
                }
                if store == nil { store = try await openSayingWhatAnInterruptLeaves(terminal) }
                try await importer.insert(batch, into: store!)
                if !batch.isEmpty { InterruptCleanup.say(onInterrupt: storedNote) }
            } catch {
                progress.finish(stopped: true)
                await closeRemovingIfEmpty(store, imported: importer.imported, terminal: terminal)
                let location = shellWord(storeOptions.displayText)
                switch error {
                case let status as ExitCode:
                    throw status  // opening the store failed, and said why
                case let error as LineReader.LineTooLong:
                    terminal.message("\(name):\(lineNumber + 1): error: \(error)\n\(importer.progressNote(lineRejected: true, store: location))")
                    throw ExitStatus.inputFailed
                case let rejection as ImportRejection:
                    terminal.message("\(rejection.description)\n\(importer.progressNote(lineRejected: !rejection.isToolFailure, store: location))")
                    throw rejection.isToolFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
                default:
                    terminal.message("error: cannot read \(name): \(OutputSink.reason(error))\n\(importer.progressNote(lineRejected: false, store: location))")
                    throw ExitStatus.toolFailed
                }
            }
            progress.finish()
            await terminal.close(store)
            let skipped = importer.skipped > 0 ? " (\(counted(importer.skipped, "identical flow")) already there, skipped)" : ""
            terminal.message("imported \(counted(importer.imported, "flow")) into \(storeOptions.displayText)\(skipped)")
        }

        /// Opens the store, creating it when it is missing; a signal before the first batch is
        /// stored then also says that the SQLite store this run created stays, empty.
        private func openSayingWhatAnInterruptLeaves(_ terminal: Terminal) async throws -> any FlowStateStore {
            let store = try await storeOptions.open(terminal: terminal, createIfMissing: true)
            if (store as? SQLiteFlowStore)?.createdItsFile == true {
                InterruptCleanup.say(onInterrupt: "interrupted before any batch was stored: nothing was imported (the store this run "
                    + "created, \(storeOptions.displayText), stays, empty); run the same import again")
            }
            return store
        }

        /// Closes the store; a SQLite store this run created is removed again when it stopped
        /// before storing a flow: an empty store would pass for a real one (status: "0 flows"),
        /// where a typo should be an error.
        private func closeRemovingIfEmpty(_ store: (any FlowStateStore)?, imported: Int, terminal: Terminal) async {
            if imported == 0, await (store as? SQLiteFlowStore)?.closeRemovingIfCreatedEmpty() == true { return }
            await terminal.close(store)
        }
    }
}

/// Why `import` stopped at a line.
struct ImportRejection: Error, CustomStringConvertible {
    var inputName: String
    var line: Int
    var message: String
    var isToolFailure = false

    /// A line's own problem names the line; the store's failure (permissions, a lost
    /// connection) names the batch it was storing, since no line is at fault.
    var description: String {
        isToolFailure ? "error: \(message) (while storing the batch that starts at \(inputName) line \(line))"
            : "\(inputName):\(line): error: \(message)"
    }
}

/// The state of one `import`: ids seen so far (with their lines), flows stored so far.
struct BatchImport {
    let inputName: String
    let existing: ExistingFlows
    /// Lines by flow id, the id as bytes (as the stores compare ids; `String` equality would
    /// also equate canonically equivalent Unicode) and remembered by its fingerprint: a few
    /// dozen bytes per flow rather than the id's own copy (about 150), for inputs of millions.
    private var lineOfID: [IDFingerprint: Int] = [:]
    private(set) var imported = 0
    private(set) var skipped = 0
    private var lastImportedLine = 0
    /// The lines of the batch whose COMMIT was sent and never answered: stored, or not.
    private var inDoubtLines: ClosedRange<Int>?

    init(inputName: String, existing: ExistingFlows) {
        self.inputName = inputName
        self.existing = existing
    }

    /// Reads one line, rejecting it when it is no dispatcher message or repeats an earlier id.
    mutating func flow(_ line: [UInt8], at number: Int) throws(ImportRejection) -> NewFlow {
        let flow: NewFlow
        do {
            flow = try NewFlow(message: line)
        } catch {
            throw ImportRejection(inputName: inputName, line: number, message: error.message)
        }
        do {
            // Refused before any store is opened (or created) for it.
            try flow.checkStorable()
        } catch {
            throw ImportRejection(inputName: inputName, line: number, message: error.message)
        }
        if let earlier = lineOfID.updateValue(number, forKey: IDFingerprint(flow.id)) {
            throw ImportRejection(inputName: inputName, line: number,
                                  message: "flow id '\(PrintableText.escaped(flow.id))' was already given on line \(earlier)")
        }
        return flow
    }

    /// Stores one batch, all or nothing.
    mutating func insert(_ batch: [(line: Int, flow: NewFlow)], into store: any FlowStateStore) async throws(ImportRejection) {
        guard let first = batch.first else { return }
        do {
            let alreadyStored = try await store.insert(batch.map(\.flow), existing: existing)
            skipped += alreadyStored
            imported += batch.count - alreadyStored
        } catch {
            let line = error.flowID.flatMap { id in batch.first { $0.flow.id.utf8.elementsEqual(id.utf8) }?.line } ?? first.line
            var message = error.message
            if error.kind == .duplicateFlow {
                message += existing == .reject
                    ? "; if an earlier import of these lines stopped, run again with --skip-identical; otherwise remove the line, or the stored flow"
                    : "; remove the line, or the stored flow, and import the rest"
            }
            if error.isCommitInDoubt { inDoubtLines = first.line...batch.last!.line }
            throw ImportRejection(inputName: inputName, line: line, message: message, isToolFailure: error.isToolFailure)
        }
        lastImportedLine = batch.last!.line
    }

    /// What was stored before an import stopped, and how to finish it: after a rejected line,
    /// by fixing the line; after a failure of the store or the input, once that is dealt with.
    /// `store`: the store's location as the command to finish it gives it.
    func progressNote(lineRejected: Bool, store: String) -> String {
        if let inDoubtLines {
            // Where the rest starts is not known: only --skip-identical finds it.
            let before = lastImportedLine > 0 ? "the flows up to line \(lastImportedLine) are in the store; " : ""
            return before + "those of lines \(inDoubtLines.lowerBound)–\(inDoubtLines.upperBound) may be too (their batch's COMMIT is in "
                + "doubt), nothing after them; to import the rest, run the same import again with --skip-identical once the server answers"
        }
        guard lastImportedLine > 0 else { return "nothing was imported" }
        let file = inputName == "<stdin>" ? "FILE" : shellWord(inputName)
        let skippedNote = skipped > 0 ? " (\(skipped) of them already there)" : ""
        return "the flows up to line \(lastImportedLine) are in the store\(skippedNote), nothing after it; "
            + "to import the rest, \(lineRejected ? "fix the line and" : "once the error is dealt with (the store answering, the input readable),") "
            + "run the same import again with --skip-identical, "
            + "or: tail -n +\(lastImportedLine + 1) \(file) | selinon-migrate import --input - --store \(store) (and this run's other options)"
    }
}

/// A flow id's bytes as 128 bits of this process's SipHash (two values, seeded apart): two ids
/// of one input share it with a probability below 10⁻²⁴ even for millions of flows.
struct IDFingerprint: Hashable {
    private let first: Int
    private let second: Int

    init(_ id: String) {
        var text = id
        (first, second) = text.withUTF8 { buffer in
            var first = Hasher(), second = Hasher()
            first.combine(0 as UInt8)
            second.combine(1 as UInt8)
            first.combine(bytes: UnsafeRawBufferPointer(buffer))
            second.combine(bytes: UnsafeRawBufferPointer(buffer))
            return (first.finalize(), second.finalize())
        }
    }
}
