import ArgumentParser
import FlowMigration
import FlowStore
import Foundation

extension SelinonMigrate {
    /// `export`: write a store's flows as JSON-lines dispatcher messages.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write every flow of a store as JSON-lines dispatcher messages.",
            discussion: """
                One line per flow, ordered by flow id: the message exactly as stored (dispatcher_id, \
                migration_version, state and everything else), plus selinon_migrate_status for \
                flows that are retry_requested or failed — so import reads back exactly what was \
                exported (a message stored without dispatcher_id gets the flow id as one). The flows \
                are those of one moment: one snapshot of the store, read in pages while dispatchers \
                and apply go on writing. A file is written whole or not at all; a flow whose message \
                import could not read back (edited in the store by hand) is written as stored and \
                named.

                Example:
                  selinon-migrate export --store sqlite:.selinon/flows.sqlite \\
                      --output flows.jsonl

                Exit codes: 0 written; 1 there is no store at the location (or something else is \
                there), it was written by a newer selinon-migrate, a row was changed outside \
                selinon-migrate (named, with the fix; nothing is written), or a flow's line could \
                not be imported back (the file is written all the same), or the output's \
                directory does not exist (or is a file); 2 the store could not be \
                reached or read, or the output written; 64 usage error.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: ArgumentHelp("Where the messages go ('-' for standard output).", valueName: "file"))
        var output: String = "-"

        @Flag(help: "No progress display.")
        var quiet = false

        func validate() throws {
            if output.isEmpty { throw ValidationError("--output needs a file name ('-' for standard output).") }
            try storeOptions.refuseOutputOverStore(output)
        }

        func run() async throws {
            let terminal = Terminal()
            let sink: OutputSink
            do {
                sink = try OutputSink(path: output)
            } catch {
                terminal.message("error: \(error)" + OutputSinkError.hintLine(of: error))
                throw OutputSinkError.exitStatus(of: error)
            }
            InterruptCleanup.say(onInterrupt: OutputSink.interruptNote([sink]), ignoringClosedPipes: false)
            let store: any FlowStateStore
            do {
                store = try await storeOptions.open(terminal: terminal, readOnly: true)
            } catch {
                sink.discard()
                throw error
            }
            var exported = 0
            /// Lines written out, and lines read but not yet written (those of a failed write may
            /// have gone out in part).
            var written = 0, buffered = 0
            /// Flows whose line `import` would refuse (or read as another flow), with why.
            var unreadable: [(id: String, problem: String, escapedBreaks: Bool)] = []
            // Flows so far (the snapshot's total is not counted first), on standard error.
            let progress = ProgressDisplay(unit: "flows", quiet: quiet, alwaysSummarize: false, besideOutputs: [output])
            do {
                var buffer: [UInt8] = []
                try await store.forEachFlow(pageSize: 1000) { page in
                    for flow in page {
                        let (line, problem, escapedBreaks) = Self.line(for: flow)
                        if let problem { unreadable.append((flow.id, problem, escapedBreaks)) }
                        buffer += line
                        buffer.append(UInt8(ascii: "\n"))
                    }
                    exported += page.count
                    buffered += page.count
                    progress.update(done: exported, total: nil)
                    if buffer.count >= 1 << 20 {
                        try sink.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                        written += buffered
                        buffered = 0
                    }
                }
                try sink.write(buffer)
                try sink.commit()
            } catch {
                progress.finish(stopped: true)
                sink.discard()
                let wentOut = OutputSink.whatWentOut([sink], whole: written, partly: error is OutputSinkError ? buffered : 0)
                terminal.message("error: \((error as? StoreError)?.message ?? "\(error)"); \(wentOut)" + OutputSinkError.hintLine(of: error))
                await terminal.close(store)
                // A row changed by hand is the input's fault; a damaged file or a failed read is not.
                let editedRow = (error as? StoreError).map { $0.kind == .damaged && $0.flowID != nil } ?? false
                throw editedRow ? ExitStatus.inputFailed : ExitStatus.toolFailed
            }
            progress.finish()
            await terminal.close(store)
            terminal.message("exported \(exported) flow\(exported == 1 ? "" : "s") from \(storeOptions.displayText)")
            guard !unreadable.isEmpty else { return }
            for (id, problem, escapedBreaks) in unreadable.prefix(10) {
                terminal.message("error: flow \(Self.quoted(id)): \(problem)" + (escapedBreaks
                    ? "; its line is written with the break as \\n (or \\r), to keep one flow per line, so import would read the "
                        + "text the break was meant to be"
                    : "; its line is written as stored, and import would not read it back as the same flow"))
            }
            if unreadable.count > 10 { terminal.message("… and \(unreadable.count - 10) more") }
            terminal.message("""
                error: \(unreadable.count) of the \(exported) flows are not dispatcher messages that import reads back as the same flow \
                (changed in the store by hand?); the file holds every flow, but restoring it needs those lines fixed first
                """)
            throw ExitStatus.inputFailed
        }

        /// An id as a JSON string: quoted, and safe to print.
        static func quoted(_ id: String) -> String {
            String(decoding: JSONWriter.compact(.string(id)), as: UTF8.self)
        }

        /// The flow's line, and why `import` would not read it back as this flow. A message
        /// without `dispatcher_id` (one saved through the library API, which keys rows by flow
        /// id) gets the flow id as one, so the line can be imported. `escapedBreaks`: the line
        /// holds raw line breaks of a string as escapes (``onOneLine(_:)``), not the stored bytes.
        static func line(for flow: StoredFlow) -> (line: [UInt8], problem: String?, escapedBreaks: Bool) {
            let (oneLine, breaksInStrings) = Self.onOneLine(flow.exportedLine)
            var line = oneLine
            if breaksInStrings {
                return (line, "its message is not valid JSON: a string in it holds a raw line break", true)
            }
            if let header = try? DispatcherMessageHeader(reading: line), header.dispatcherID == nil {
                line = DispatcherMessageHeader.adding("dispatcher_id", string: flow.id, to: line)
            }
            do {
                let readBack = try NewFlow(message: line)
                guard readBack.id.utf8.elementsEqual(flow.id.utf8) else {
                    return (line, "its message's dispatcher_id is \(quoted(readBack.id)), not the flow's id", false)
                }
                // Columns changed by hand: import would read the line back as another flow.
                guard readBack.flowName == flow.flowName else {
                    return (line, "its message is of flow \(quoted(readBack.flowName)), while the row says \(quoted(flow.flowName))", false)
                }
                guard readBack.migrationVersion == flow.migrationVersion else {
                    return (line, "its message is at migration version \(readBack.migrationVersion), while the row says \(flow.migrationVersion)", false)
                }
                return (line, nil, false)
            } catch {
                return (line, error.message, false)
            }
        }

        /// `message` on one line. A message stored with line breaks (pretty-printed, saved
        /// through the library API or edited by hand) would take several lines of the file: a
        /// break between a message's values is whitespace, written as a space, which means the
        /// same; one inside a string (not valid JSON, where a string's break is `\n`) is written
        /// as that escape, and `breaksInStrings` says so — the text would change as a space.
        static func onOneLine(_ message: [UInt8]) -> (line: [UInt8], breaksInStrings: Bool) {
            guard message.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else { return (message, false) }
            var line: [UInt8] = []
            line.reserveCapacity(message.count + 8)
            var inString = false, escaping = false, breaksInStrings = false
            for byte in message {
                let isBreak = byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                if isBreak {
                    if inString {
                        breaksInStrings = true
                        escaping = false
                        line += [UInt8(ascii: "\\"), byte == UInt8(ascii: "\n") ? UInt8(ascii: "n") : UInt8(ascii: "r")]
                    } else {
                        line.append(UInt8(ascii: " "))
                    }
                    continue
                }
                if inString {
                    if escaping {
                        escaping = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaping = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                }
                line.append(byte)
            }
            return (line, breaksInStrings)
        }
    }
}
