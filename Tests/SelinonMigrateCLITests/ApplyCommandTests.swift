import FlowMigration
import Foundation
import Synchronization
import Testing
import TestSupport

/// `selinon-migrate apply`, run as a user runs it, on the example's in-flight messages.
struct ApplyCommandTests {
    static let root = Fixtures.repositoryRoot
    static let states = root.appendingPathComponent("examples/package-analysis/inflight-v1.jsonl").path
    static let migrations = root.appendingPathComponent("migrations").path

    static func reportLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// Interrupted while it writes standard output, `apply` says that the output is cut short
    /// and that no file was written (a file output appears whole or not at all).
    @Test func anInterruptedStreamSaysWhatItLeft() throws {
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = try CommandRunner().executable
        process.arguments = ["apply", "-m", Self.migrations, "--input", "-", "--report", directory.path("report.jsonl")]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let input = Pipe(), standardError = Pipe()
        #expect(FileManager.default.createFile(atPath: directory.path("out.jsonl"), contents: nil))
        let output = try FileHandle(forWritingTo: directory.url.appendingPathComponent("out.jsonl"))
        process.standardInput = input
        process.standardOutput = output
        process.standardError = standardError
        try process.run()
        // Lines until the first migrated ones come out (a chunk per core), the input left open.
        try Self.feed(input, untilOutputIn: directory.path("out.jsonl"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        let said = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        #expect(said == "interrupted: nothing was written to \(directory.path("report.jsonl")) (files are written whole or not at all); "
            + "standard output got only what was written before it, its last line perhaps cut short: run the command again for the "
            + "whole result\n", "\(said)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("report.jsonl")))
    }

    /// Writes the example's messages into `input` over and over, leaving it open, until the run
    /// writing `output` has put migrated lines there (a chunk per core).
    static func feed(_ input: Pipe, untilOutputIn output: String) throws {
        let lines = Data(try String(contentsOfFile: states, encoding: .utf8).utf8)
        var written = 0
        while written < 500_000, (try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int ?? 0) == 0 {
            for _ in 0..<100 { input.fileHandleForWriting.write(lines) }
            written += 1_400
            usleep(20_000)
        }
    }

    /// A signal the caller ignores stays ignored (`nohup`; a script's background job, whose Ctrl-C
    /// the shell keeps from it): SIGINT leaves the run going, SIGTERM still ends it.
    @Test func anIgnoredInterruptStaysIgnored() throws {
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' INT; exec \"$0\" apply -m \"$1\" --input - --report \"$2\"",
                             try CommandRunner().executable.path, Self.migrations, directory.path("report.jsonl")]
        let input = Pipe()
        #expect(FileManager.default.createFile(atPath: directory.path("out.jsonl"), contents: nil))
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: directory.url.appendingPathComponent("out.jsonl"))
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Migrated lines come out once the run (and its signal handling) is under way.
        try Self.feed(input, untilOutputIn: directory.path("out.jsonl"))
        kill(process.processIdentifier, SIGINT)
        usleep(300_000)
        #expect(process.isRunning, "SIGINT ended a run that had it ignored")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    }

    /// The output goes to a file beside the one it replaces: a writable file in a directory this
    /// user may not write is refused with the directory named, and kept as it was.
    @Test(.enabled(if: CommandRunner.canRunAsNobody)) func aWritableOutputInAReadOnlyDirectoryNamesTheDirectory() throws {
        let directory = try TemporaryDirectory()
        chmod(directory.url.path, 0o755)
        let closed = directory.path("closed")
        try FileManager.default.createDirectory(atPath: closed, withIntermediateDirectories: false)
        try "kept\n".write(toFile: closed + "/out.jsonl", atomically: false, encoding: .utf8)
        chmod(closed + "/out.jsonl", 0o666)
        chmod(closed, 0o555)
        let result = try #require(try CommandRunner().runAsNobody(["apply", "-m", Self.migrations, "--input", Self.states,
                                                                    "--output", closed + "/out.jsonl", "--report", "/dev/null"]))
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("cannot create a file in \(closed), where the output is written first and then renamed over "
            + "out.jsonl (so that it appears whole or not at all): Permission denied; let this user write \(closed)"), "\(result.standardError)")
        #expect(try String(contentsOfFile: closed + "/out.jsonl", encoding: .utf8) == "kept\n")
    }

    @Test func migratesEveryLineInOrderAndReportsEachOne() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states,
                                              "--output", directory.path("out.jsonl"), "--report", directory.path("report.jsonl")])
        #expect(result.status == 1, "the removed notification_flow fails")
        #expect(result.standardOutput.isEmpty)
        let input = try String(contentsOfFile: Self.states, encoding: .utf8).split(separator: "\n")
        let output = try String(contentsOfFile: directory.path("out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(output.count == input.count)
        let report = try Self.reportLines(String(contentsOfFile: directory.path("report.jsonl"), encoding: .utf8))
        #expect(report.map { $0["line"] as? Int } == Array(1...input.count))
        #expect(report.map { $0["outcome"] as? String } == [
            "migrated", "migrated", "migrated", "migrated", "retry", "migrated", "migrated", "retry", "migrated",
            "migrated", "migrated", "migrated", "fail", "migrated",
        ])
        // Line 2: DownloadTarball runs, so the edge added after it (3) is armed; 1 stays.
        let second = try #require(JSONSerialization.jsonObject(with: Data(output[1].utf8)) as? [String: Any])
        let state = try #require(second["state"] as? [String: Any])
        #expect(state["waiting_edges"] as? [Int] == [1, 3])
        #expect(second["migration_version"] as? Int == 3)
        // Line 5 restarts: state null, latest version, same dispatcher id and arguments.
        let restarted = try #require(JSONSerialization.jsonObject(with: Data(output[4].utf8)) as? [String: Any])
        #expect(restarted["state"] is NSNull)
        #expect(restarted["migration_version"] as? Int == 3)
        let original = try #require(JSONSerialization.jsonObject(with: Data(input[4].utf8)) as? [String: Any])
        #expect(restarted["dispatcher_id"] as? String == original["dispatcher_id"] as? String)
        // Line 13 (a removed flow) is passed on unchanged.
        #expect(output[12] == input[12])
        let summary = result.standardError.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(summary.contains(["package_analysis_flow", "0", "5", "1", "0", "0", "0"]))
        #expect(summary.contains(["total", "0", "11", "2", "1", "0", "0"]))
        #expect(result.standardError.contains("migrated to version 3\n"))

        // The output again, without the failing line: nothing is below version 3 any more, and
        // the heading says so.
        try (output.enumerated().filter { $0.offset != 12 }.map { $0.element + "\n" }.joined())
            .write(toFile: directory.path("migrated.jsonl"), atomically: true, encoding: .utf8)
        let again = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", directory.path("migrated.jsonl"),
                                             "--output", directory.path("again.jsonl")])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("no flow was migrated; the latest migration is version 3\n"), "\(again.standardError)")
        #expect(!again.standardError.contains("migrated to version"))
    }

    /// Lines are migrated in chunks shared among the cores; the output and the report must be
    /// exactly what migrating one line after the other gives, whatever the split.
    @Test func aLongStreamComesOutInOrderAsOneThreadWouldWriteIt() throws {
        let directory = try TemporaryDirectory()
        let templates = try String(contentsOfFile: Self.states, encoding: .utf8).split(separator: "\n").map(String.init)
        // 5,003 lines: several chunks on any machine, an odd tail, a malformed line here and there.
        let lines = (0..<5_003).map { index in
            index % 997 == 500 ? "not json \(index)"
                : templates[index % templates.count].replacingOccurrences(of: #""dispatcher_id": ""#, with: #""dispatcher_id": "\#(index)-"#)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory.path("in.jsonl"), atomically: true, encoding: .utf8)
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", directory.path("in.jsonl"),
                                              "--output", directory.path("out.jsonl"), "--report", directory.path("report.jsonl")])
        #expect(result.status == 1)

        let migrator = StreamMigrator(migrator: Migrator(chain: MigrationChain(directory: try MigrationDirectory.load(from: Self.migrations))))
        var expectedOutput: [UInt8] = [], expectedReport: [UInt8] = []
        for (offset, line) in lines.enumerated() {
            let report = Array(line.utf8).withUnsafeBufferPointer { migrator.migrate(line: $0, into: &expectedOutput) }
            expectedOutput.append(UInt8(ascii: "\n"))
            expectedReport += JSONWriter.compact(report.jsonValue(line: offset + 1)) + [UInt8(ascii: "\n")]
        }
        #expect(try Array(Data(contentsOf: directory.url.appendingPathComponent("out.jsonl"))) == expectedOutput)
        #expect(try Array(Data(contentsOf: directory.url.appendingPathComponent("report.jsonl"))) == expectedReport)
        #expect(result.standardError.contains("total"))
    }

    @Test func readsStandardInputAndWritesStandardOutput() throws {
        let line = #"{"flow_name": "reporting_flow", "migration_version": 0, "state": {"active_nodes": [{"name": "CollectResults", "id": "x"}], "finished_nodes": {}, "waiting_edges": [1], "triggered_edges": [0]}}"#
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", "-"], input: Data((line + "\n").utf8))
        #expect(result.status == 0)
        #expect(result.standardOutput == line.replacingOccurrences(of: #""migration_version": 0"#, with: #""migration_version": 3"#) + "\n")
    }

    @Test func dryRunWritesOnlyTheReport() throws {
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--dry-run"])
        let report = try Self.reportLines(result.standardOutput)
        #expect(report.count == 14)
        #expect(report[4]["taints"] as? [[String: Any]] != nil)
        #expect(result.standardError.hasPrefix("dry run: no state was written; migrating to version 3 would give\n"), "\(result.standardError)")
    }

    @Test func policyOverridesAreStrongerThanTheFiles() throws {
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--dry-run",
                                              "--policy", "*=fail", "--policy", "licence_analysis_flow=ignore"])
        #expect(!result.standardError.contains("warning"), "'*' and a flow the migrations change are no typos")
        let outcomes = try Self.reportLines(result.standardOutput).map { $0["outcome"] as? String }
        #expect(outcomes[2] == "fail", "IGNORE taint escalated by '*=fail'")
        #expect(outcomes[7] == "migrated", "RETRY taint lowered by the per-flow override")
    }

    @Test func malformedLinesArePassedThroughAndReported() throws {
        let input = "not json\n{\"flow_name\": \"reporting_flow\", \"state\": {\"waiting_edges\": [1, 1]}}\n\n \r\n"
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", "-", "--report", "/dev/stderr"],
                                             input: Data(input.utf8))
        #expect(result.status == 1)
        #expect(result.standardOutput == input)
        // The flow is named when the line names it, even if the rest cannot be read.
        #expect(result.standardError.contains(#""error":"state.waiting_edges lists edge 1 twice","flow_name":"reporting_flow","from_version":null,"line":2,"outcome":"invalid""#))
        // Empty lines hold no message: copied, neither reported nor counted (as import skips them).
        #expect(!result.standardError.contains(#""line":3"#) && !result.standardError.contains(#""line":4"#))
        #expect(result.standardError.contains("invalid"))
        // Without a report, the first problem lines are named with their line numbers.
        let directory = try TemporaryDirectory()
        try directory.write(input, to: "states.jsonl")
        let named = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", directory.path("states.jsonl"), "--output", directory.path("out")])
        #expect(named.status == 1)
        #expect(named.standardError.contains("\(directory.path("states.jsonl")):1: invalid: not valid JSON"), "\(named.standardError)")
        #expect(named.standardError.contains("\(directory.path("states.jsonl")):2: invalid: state.waiting_edges lists edge 1 twice"))
        #expect(named.standardError.hasSuffix("  hint: --report FILE lists the outcome of every line\n"))
    }

    /// Messages repeat flow names and bytes of the input: a terminal escape in them must show as
    /// text, not retitle or clear the operator's terminal. The lines themselves pass unchanged.
    @Test func controlCharactersFromTheInputAreShownAsEscapes() throws {
        let evil = #"{"flow_name": "evil\u001b]0;PWNED\u0007\u001b[2J_flow", "migration_version": 0, "dispatcher_id": "e", "state": "#
            + #"{"active_nodes": [], "finished_nodes": {}, "failed_nodes": {}, "waiting_edges": [], "triggered_edges": []}}"#
        let input = evil + "\n\u{1B}[2J\u{0}\n"
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", "-"], input: Data(input.utf8))
        #expect(result.status == 1)
        #expect(result.standardOutput == input)
        #expect(!result.standardError.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(result.standardError)")
        #expect(result.standardError.contains(#"flow 'evil\u{1B}]0;PWNED\u{7}\u{1B}[2J_flow' is not in the configuration"#),
                "\(result.standardError)")
    }

    /// Every byte survives: a last line without a newline comes out without one.
    /// Also when the last line ends a chunk exactly (lines are migrated in chunks of 1,024 per core).
    @Test(arguments: [2, 1024, 2048, 4096])
    func aLastLineWithoutANewlineComesOutWithoutOne(_ count: Int) throws {
        let examples = try String(contentsOfFile: Self.states, encoding: .utf8).split(separator: "\n")
        let lines = (0..<count).map { examples[$0 % examples.count] }.joined(separator: "\n")
        let directory = try TemporaryDirectory()
        for input in [lines, lines + "\n"] {
            try directory.write(input, to: "in.jsonl")
            let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", directory.path("in.jsonl"),
                                                  "--output", directory.path("out.jsonl")])
            #expect(result.status == 0 || result.status == 1, "1 when a removed flow's line is among them: \(result.standardError)")
            let output = try String(contentsOfFile: directory.path("out.jsonl"), encoding: .utf8)
            #expect(output.split(separator: "\n").count == count)
            #expect(output.hasSuffix("\n") == input.hasSuffix("\n"), "\(count) lines")
        }
    }

    /// A stream that is not one (a binary file, a device) is not read into memory whole: a line
    /// over 128 MiB stops apply and import at that line, with nothing written.
    @Test func aLineOverTheLimitStopsTheRunWithNothingWritten() throws {
        let directory = try TemporaryDirectory()
        let input = directory.path("huge.jsonl")
        let firstLines = try String(contentsOfFile: Self.states, encoding: .utf8).split(separator: "\n").prefix(2).map { $0 + "\n" }.joined()
        #expect(FileManager.default.createFile(atPath: input, contents: Data(firstLines.utf8)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        try handle.seekToEnd()
        let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<129 { try handle.write(contentsOf: block) }
        try handle.close()
        let applied = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", input, "--output", directory.path("out.jsonl")])
        #expect(applied.status == 1)
        #expect(applied.standardError.hasPrefix("error: \(input):3: the line is longer than 128 MiB: not a stream of dispatcher messages"),
                "\(applied.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("out.jsonl")))
        // What already went to standard output (whole chunks of lines) cannot be taken back, and the message says so.
        let examples = try String(contentsOfFile: Self.states, encoding: .utf8).split(separator: "\n")
        let many = directory.path("many.jsonl")
        #expect(FileManager.default.createFile(atPath: many, contents: Data((0..<5000).map { examples[$0 % examples.count] + "\n" }.joined().utf8)))
        let appending = try FileHandle(forWritingTo: URL(fileURLWithPath: many))
        try appending.seekToEnd()
        for _ in 0..<129 { try appending.write(contentsOf: block) }
        try appending.close()
        let streamed = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", many, "--output", "-"])
        #expect(streamed.status == 1)
        let sent = streamed.standardOutput.split(separator: "\n").count
        #expect(sent > 0 && sent < 5000 && sent % 1024 == 0, "whole chunks: \(sent)")
        // Each line that went out has its newline: a reader cannot take the last for one cut short.
        #expect(streamed.standardOutput.hasSuffix("}\n"), "\(streamed.standardOutput.suffix(40))")
        #expect(streamed.standardError.hasSuffix("lines 1–\(sent) went to standard output already, nothing after them\n"), "\(streamed.standardError)")
        let imported = try CommandRunner().run(["import", "--store", "sqlite:" + directory.path("flows.sqlite"), "--input", input])
        #expect(imported.status == 1)
        #expect(imported.standardError.hasPrefix("\(input):3: error: the line is longer than 128 MiB"), "\(imported.standardError)")
    }

    @Test func aWriteThatFailsPartWaySaysWhichLinesMayHaveGone() throws {
        // A device takes what it can before it fails (a pipe closed early, a full disk): the lines
        // of the chunk being written may have gone in part, and the message does not say "nothing".
        let lines = try String(contentsOfFile: Self.states, encoding: .utf8).split(separator: "\n").count
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--output", "/dev/full"])
        #expect(result.status == 2)
        #expect(result.standardError.hasSuffix("cannot write /dev/full: No space left on device; some of lines 1–\(lines) may have gone to /dev/full\n"
            + "  hint: the disk (or your quota) is full: free some space and run the command again\n"), "\(result.standardError)")
    }

    @Test func linesLongerThanAReadChunkComeThroughWhole() throws {
        // A message of 3.5 MB spans four of the reader's 1 MB chunks; the lines around it are short.
        let big = #"{"flow_name": "reporting_flow", "state": null, "payload": ""# + String(repeating: "x", count: 3_500_000) + #""}"#
        let short = #"{"flow_name": "reporting_flow", "state": null, "migration_version": 3}"#
        let input = [short, big, short, big].joined(separator: "\n") + "\n"
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", "-", "--output", directory.path("out"),
                                              "--report", directory.path("report")], input: Data(input.utf8))
        #expect(result.status == 0, "\(result.standardError)")
        let output = try String(contentsOfFile: directory.path("out"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(output.count == 5 && output[4].isEmpty)
        #expect(output[0] == short && output[2] == short)
        #expect(output[1].count == big.count + #", "migration_version": 3"#.count && output[1].hasSuffix(#", "migration_version": 3}"#))
        #expect(output[3] == output[1])
        let outcomes = try Self.reportLines(try String(contentsOfFile: directory.path("report"), encoding: .utf8)).map { $0["outcome"] as? String }
        #expect(outcomes == ["up_to_date", "migrated", "up_to_date", "migrated"])
    }

    @Test func anInvalidMigrationDirectoryStopsBeforeReading() throws {
        let directory = try TemporaryDirectory()
        try directory.write("{\"migration\": {}, \"tainted_flow_strategy\": \"IGNORE\"}", to: "m/2.json")
        let result = try CommandRunner().run(["apply", "-m", directory.path("m"), "--input", Self.states, "--output", directory.path("out")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("migration 1.json missing before 2.json"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("out")))
    }

    @Test func aMissingMigrationDirectoryIsOneErrorWithoutASumWarning() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["apply", "-m", directory.path("nowhere"), "--input", Self.states,
                                              "--output", directory.path("out")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("the migration directory does not exist"))
        #expect(!result.standardError.contains("warning"), "no warning about a sum file in a directory that is not there")
        #expect(!FileManager.default.fileExists(atPath: directory.path("out")))
    }

    @Test func anUnreadableInputLeavesNoPartialOutput() throws {
        let directory = try TemporaryDirectory()
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", directory.path("missing.jsonl"),
                                              "--output", directory.path("out.jsonl")])
        #expect(result.status == 1, "a missing input is the user's mistake")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    @Test func oneCharacterPathsAreOrdinaryFiles() throws {
        // NSString.deletingLastPathComponent crashes on them in this Foundation.
        let directory = try TemporaryDirectory()
        let runner = try CommandRunner()
        let result = try runner.run(["apply", "-m", Self.migrations, "--input", Self.states, "--output", "o", "--report", "r"], in: directory.url)
        #expect(result.status != 132, "\(result.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.path("o")) && FileManager.default.fileExists(atPath: directory.path("r")))
        #expect(try runner.run(["import", "--input", Self.states, "--store", "sqlite:q"], in: directory.url).status == 0)
    }

    @Test func outputsThatWouldLoseTheInputOrEachOtherAreRefused() throws {
        let directory = try TemporaryDirectory()
        let input = directory.path("states.jsonl")
        try FileManager.default.copyItem(atPath: Self.states, toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let runner = try CommandRunner()
        let report = try runner.run(["apply", "-m", Self.migrations, "--input", input, "--dry-run", "--report", input])
        #expect(report.status == 64)
        #expect(report.standardError.contains("--report names the input file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        // `--input -` redirected from the file the report names: refused the same way.
        let redirected = Process()
        redirected.executableURL = runner.executable
        redirected.arguments = ["apply", "-m", Self.migrations, "--input", "-", "--output", directory.path("migrated.jsonl"), "--report", input]
        redirected.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        redirected.standardOutput = FileHandle.nullDevice
        redirected.standardError = FileHandle.nullDevice
        try redirected.run()
        redirected.waitUntilExit()
        #expect(redirected.terminationStatus == 64)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        // Standard output that is the input file (`apply --input F >> F`) would read its own
        // output back without end: refused, the file untouched.
        for arguments in [["--input", input], ["--input", input, "--dry-run"]] {
            let appended = try runner.run(["apply", "-m", Self.migrations] + arguments, standardOutput: input)
            #expect(appended.status == 64, "\(arguments)")
            #expect(appended.standardError.contains("Standard output is the input file"), "\(appended.standardError)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        }
        // Standard output redirected to the file the other stream replaces (`--report F > F`):
        // the stream written to standard output would go with the replaced file. Refused.
        let sharedFile = directory.path("shared.jsonl")
        for (arguments, lost) in [(["--report", sharedFile], "the migrated messages"), (["--output", sharedFile, "--report", "-"], "the report")] {
            try Data("kept\n".utf8).write(to: URL(fileURLWithPath: sharedFile))
            let redirected = try runner.run(["apply", "-m", Self.migrations, "--input", input] + arguments, standardOutput: sharedFile)
            #expect(redirected.status == 64, "\(arguments)")
            #expect(redirected.standardError.contains("Standard output is the file \(arguments[0]) names ('\(sharedFile)'): replacing that "
                                                      + "file would lose what goes to standard output (\(lost))"), "\(redirected.standardError)")
        }
        // `--report /dev/stderr` with standard error appended to a log (`2>>log`, or `>>log 2>&1`):
        // written to the descriptor, the log is kept, not replaced.
        let log = directory.path("apply.log")
        for redirection in ["2>>\(log)", ">>\(log) 2>&1"] {
            try Data("an earlier line\n".utf8).write(to: URL(fileURLWithPath: log))
            let logged = try runner.run(["apply", "-m", Self.migrations, "--input", input, "--output", directory.path("migrated.jsonl"),
                                         "--report", "/dev/stderr"], shellScript: "exec \"$0\" \"$@\" \(redirection)")
            #expect([0, 1].contains(logged.status), "\(redirection): \(logged.standardError)")  // 1: the states include failed flows
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(text.hasPrefix("an earlier line\n") && text.contains("\"outcome\":\"migrated\""), "\(redirection): \(text)")
        }
        // An output that is a hard link to the input: replacing it would leave the input as it was.
        let hardLink = directory.path("hard-link.jsonl")
        #expect(link(input, hardLink) == 0)
        let linked = try runner.run(["apply", "-m", Self.migrations, "--input", input, "--output", hardLink])
        #expect(linked.status == 64)
        #expect(linked.standardError.contains("--output ('\(hardLink)') is a hard link to the input file ('\(input)')"), "\(linked.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        for (output, reportPath) in [("-", "/dev/stdout"), ("/dev/stdout", "-")] {
            let aliased = try runner.run(["apply", "-m", Self.migrations, "--input", input, "--output", output, "--report", reportPath])
            #expect(aliased.status == 64, "\(output) \(reportPath)")
        }
        // A report that cannot be created leaves no temporary file of the output behind.
        try FileManager.default.createDirectory(atPath: directory.path("out"), withIntermediateDirectories: false)
        let missing = try runner.run(["apply", "-m", Self.migrations, "--input", input, "--output", directory.path("out/migrated.jsonl"),
                                      "--report", directory.path("nowhere/report.jsonl")])
        #expect(missing.status == 1, "a directory that does not exist is a wrong path, not a failed write")
        #expect(missing.standardError.contains("the directory \(directory.path("nowhere")) does not exist"), "\(missing.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("out")).isEmpty)
        // A store given as an output by mistake (--output for --store) is not replaced by lines.
        #expect(try runner.run(["import", "--input", input, "--store", "sqlite:" + directory.path("flows.sqlite")]).status == 0)
        let store = try Data(contentsOf: URL(fileURLWithPath: directory.path("flows.sqlite")))
        for option in ["--output", "--report"] {
            let overwrite = try runner.run(["apply", "-m", Self.migrations, "--input", input, option, directory.path("flows.sqlite")])
            #expect(overwrite.status == 2 && overwrite.standardError.contains("it is a SQLite database (a store?)"), "\(overwrite.standardError)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("flows.sqlite"))) == store)
        }
    }

    @Test func anOutputReachedThroughASymbolicLinkIsReplacedWhole() throws {
        // The link is kept; the file it points to is replaced, not overwritten in place (which
        // left the longer old file's tail behind).
        let directory = try TemporaryDirectory()
        try directory.write(String(repeating: "an older, longer file\n", count: 2_000), to: "latest.jsonl")
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.jsonl"), withDestinationPath: "latest.jsonl")
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--output", directory.path("link.jsonl")])
        #expect(result.status == 1, "the example has a FAIL taint")
        let written = try String(contentsOfFile: directory.path("latest.jsonl"), encoding: .utf8)
        #expect(written.split(separator: "\n").count == 14)
        #expect(!written.contains("an older, longer file"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.path("link.jsonl")) == "latest.jsonl")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["latest.jsonl", "link.jsonl"])
    }

    @Test func outputAndReportCannotBeTheSameFile() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write(try String(contentsOfFile: Self.states, encoding: .utf8), to: "in.jsonl")
        try FileManager.default.createSymbolicLink(atPath: directory.path("alias.jsonl"), withDestinationPath: "in.jsonl")
        let before = try String(contentsOfFile: input, encoding: .utf8)
        for report in [input, directory.path("alias.jsonl"), directory.path("./in.jsonl")] {
            let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", input, "--output", input, "--report", report])
            #expect(result.status == 64)
            #expect(result.standardError.contains("--output and --report name the same file"))
        }
        // A hard link is the same file under another name.
        try directory.write("an earlier report\n", to: "report.txt")
        try FileManager.default.linkItem(atPath: directory.path("report.txt"), toPath: directory.path("hard.txt"))
        let hardLinked = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", input, "--output", directory.path("report.txt"),
                                                  "--report", directory.path("hard.txt")])
        #expect(hardLinked.status == 64)
        #expect(hardLinked.standardError.contains("--output and --report name the same file"), "\(hardLinked.standardError)")
        try FileManager.default.linkItem(atPath: input, toPath: directory.path("input-link.jsonl"))
        let reportOverInput = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", input, "--report", directory.path("input-link.jsonl")])
        #expect(reportOverInput.status == 64)
        #expect(reportOverInput.standardError.contains("--report names the input file"), "\(reportOverInput.standardError)")
        #expect(try String(contentsOfFile: input, encoding: .utf8) == before)
        // New files too: `s/..` is where the link s points, one up (a), not the directory holding s.
        try FileManager.default.createDirectory(atPath: directory.path("a/b"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.path("s"), withDestinationPath: directory.path("a/b"))
        let throughLink = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", input, "--output", directory.path("s/../o.jsonl"),
                                                   "--report", directory.path("a/o.jsonl")])
        #expect(throughLink.status == 64)
        #expect(throughLink.standardError.contains("--output and --report name the same file"), "\(throughLink.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("a/o.jsonl")))
    }

    /// A name near the file system's limit of 255 bytes still gets its hidden temporary file
    /// (its name cut to fit) and appears whole.
    @Test func anOutputWithTheLongestNameIsWritten() throws {
        let directory = try TemporaryDirectory()
        let name = String(repeating: "é", count: 120) + ".jsonl"
        #expect(name.utf8.count == 246)
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--output", directory.path(name)])
        #expect(result.status == 1, "the example has a FAIL taint: \(result.standardError)")
        let written = try String(contentsOfFile: directory.path(name), encoding: .utf8)
        #expect(written.split(separator: "\n").count == 14)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == [name])
    }

    /// A stream that outlasts a progress line's interval (5 s) says how far it is on standard
    /// error — the lines so far, a stream's total being unknown — and ends the count with its end.
    @Test func aLongStreamShowsProgress() throws {
        signal(SIGPIPE, SIG_IGN)  // a write to the child's closed input must throw, not end the tests
        let lines = Data(try String(contentsOfFile: Self.states, encoding: .utf8).utf8)
        let process = Process()
        process.executableURL = try CommandRunner().executable
        process.arguments = ["apply", "-m", Self.migrations, "--input", "-", "--dry-run", "--report", "/dev/null"]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        let input = Pipe(), standardError = Pipe()
        process.standardInput = input
        process.standardError = standardError
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Fed slowly, so that the run lasts as long as the test needs whatever the machine's speed.
        let collected = Mutex("")
        let reading = DispatchQueue(label: "stderr")
        reading.async {
            while case let data = standardError.fileHandleForReading.availableData, !data.isEmpty {
                collected.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        let deadline = Date().addingTimeInterval(120)
        var fed = 0
        while !collected.withLock({ $0.contains("lines/s") }), process.isRunning, Date() < deadline {
            try input.fileHandleForWriting.write(contentsOf: lines)
            fed += 14
            usleep(50_000)
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        reading.sync {}
        let printed = collected.withLock { $0 }
        #expect(process.terminationStatus == 1, "the example has a FAIL taint: \(printed)")
        #expect(printed.contains(" lines, ") && printed.contains(" lines/s\n"), "a line with how many so far: \(printed)")
        #expect(!printed.contains("still counting"), "\(printed)")
        #expect(printed.contains("\(fed) lines, ") && printed.contains(" lines/s — done\n"), "the last count is every line: \(printed)")
    }

    @Test func aFullStandardOutputIsAnErrorNotACrash() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--dry-run"],
                                             standardOutput: "/dev/full")
        #expect(result.status == 2)
        #expect(result.standardError.contains("error: cannot write to standard output: No space left on device"))
    }

    /// A file-size limit (`ulimit -f`) reached while writing: exit 2, no file left, and the
    /// message says nothing was written and how to raise the limit — for apply's and simulate's
    /// outputs alike.
    @Test func aFileSizeLimitSaysNothingWasWrittenAndWhatToDo() throws {
        let directory = try TemporaryDirectory()
        let v1 = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v1").path
        for (arguments, output) in [
            (["apply", "-m", Self.migrations, "--input", Self.states, "--output", directory.path("out.jsonl"), "--quiet"], "out.jsonl"),
            (["simulate", "-n", v1 + "/nodes.yml", "-f", v1 + "/flows", "--count", "500", "--output", directory.path("sim.jsonl"), "--quiet"], "sim.jsonl"),
        ] {
            let result = try CommandRunner().run(arguments, shellScript: "ulimit -f 4; exec \"$0\" \"$@\"")
            #expect(result.status == 2, "\(arguments[0]): \(result.standardError)")
            #expect(result.standardError.contains("File too large; nothing was written"), "\(arguments[0]): \(result.standardError)")
            #expect(result.standardError.contains("raise the limit (ulimit -f unlimited)"), "\(arguments[0]): \(result.standardError)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("")).filter { $0.contains(output) }.isEmpty)
        }
    }

    /// Standard error appended to the input (`2>>F`, with the report or the messages sent to
    /// /dev/stderr, or only the messages): what goes there would be read back without end, so
    /// it is refused before a line is read — the input keeps its lines, and only the refusal is
    /// appended, once.
    @Test(arguments: [["--output", "/dev/null", "--report", "/dev/stderr"], ["--output", "/dev/stderr"], ["--output", "/dev/null"]])
    func standardErrorAppendedToTheInputIsRefused(_ options: [String]) throws {
        let directory = try TemporaryDirectory()
        let input = directory.path("in.jsonl")
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.states))
        try original.write(to: URL(fileURLWithPath: input))
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", input, "--quiet"] + options,
                                             shellScript: "exec \"$0\" \"$@\" 2>>\(input)")
        #expect(result.status == 64)
        let after = try Data(contentsOf: URL(fileURLWithPath: input))
        #expect(after.prefix(original.count) == original)
        let appended = String(decoding: after.dropFirst(original.count), as: UTF8.self)
        #expect(appended.hasPrefix("Error: Standard error is the input file ('\(input)'): what goes there"), "\(appended)")
        #expect(appended.components(separatedBy: "Standard error is the input file").count == 2, "\(appended)")
    }

    /// Started with standard output closed (`>&-`), a command says so (exit 2) instead of writing
    /// its report into whatever file took descriptor 1 (a store's database, an event descriptor);
    /// with standard input closed, `--input -` is refused (exit 1), not read as an empty stream.
    @Test func aClosedStandardStreamIsSaidNotUsed() throws {
        let directory = try TemporaryDirectory()
        func run(_ redirection: String, _ arguments: [String]) throws -> (status: Int32, errors: String) {
            let result = try CommandRunner().run(arguments, shellScript: "exec \"$0\" \"$@\" \(redirection)")
            return (result.status, result.standardError)
        }
        let database = directory.path("flows.sqlite")
        #expect(try CommandRunner().run(["import", "--store", "sqlite:" + database, "--input", Self.states]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let report = try run(">&-", ["apply", "-m", Self.migrations, "--store", "sqlite:" + database, "--dry-run", "--quiet"])
        #expect(report.status == 2)
        #expect(report.errors.contains("error: cannot write to standard output: standard output was closed when selinon-migrate started (>&-)"),
                "\(report.errors)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
        let stream = try run("<&-", ["apply", "-m", Self.migrations, "--input", "-", "--output", directory.path("out.jsonl")])
        #expect(stream.status == 1)
        #expect(stream.errors.contains("standard input was closed when selinon-migrate started (<&-)"), "\(stream.errors)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("out.jsonl")))
        // Its device name is standard input too.
        let device = try run("<&-", ["import", "--store", "sqlite:" + directory.path("other.sqlite"), "--input", "/dev/stdin"])
        #expect(device.status == 1)
        #expect(device.errors.contains("standard input was closed when selinon-migrate started (<&-)"), "\(device.errors)")
    }

    /// A closed pipe (`| head`) ends the stream as it ends any filter, quietly, of SIGPIPE — the
    /// same whether or not a report file was being written too, which is not left behind.
    @Test(arguments: [false, true])
    func aClosedPipeEndsTheStreamQuietlyWhateverElseItWrites(_ writesReport: Bool) throws {
        let directory = try TemporaryDirectory()
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])  // the reader has gone before the first line is written
        let process = Process()
        process.executableURL = try CommandRunner().executable
        process.arguments = ["apply", "-m", Self.migrations, "--input", Self.states]
            + (writesReport ? ["--report", directory.path("report.jsonl")] : [])
        process.standardOutput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: false)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        close(ends[1])
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGPIPE,
                "\(process.terminationReason) \(process.terminationStatus): \(message)")
        #expect(message.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty, "no report, no temporary file")
    }

    /// SIGQUIT (Ctrl-\\) too: no crash report, quits like any program.
    @Test(arguments: [SIGTERM, SIGQUIT])
    func anInterruptedRunLeavesNoTemporaryFiles(_ signal: Int32) throws {
        // Standard input stays open, so apply is still running (its outputs unfinished) when it
        // is terminated; it must remove its temporary files and die of the signal.
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = try CommandRunner().executable
        process.arguments = ["apply", "-m", Self.migrations, "--input", "-", "--output", directory.path("out.jsonl"),
                             "--report", directory.path("report.jsonl")]
        let input = Pipe()
        process.standardInput = input
        let errors = Pipe()
        process.standardError = errors
        // SIGQUIT's default action dumps core: none here (the child inherits the limit).
        var noCore = rlimit()
        let core = __rlimit_resource_t(RLIMIT_CORE.rawValue)
        if getrlimit(core, &noCore) == 0 { noCore.rlim_cur = 0; setrlimit(core, &noCore) }
        try process.run()
        input.fileHandleForWriting.write(try Data(contentsOf: URL(fileURLWithPath: Self.states)))
        func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() }
        var waited = 0
        while try entries().count < 2 && waited < 100 {
            usleep(50_000)
            waited += 1
        }
        #expect(try entries().count == 2, "both temporary files exist while it runs")
        kill(process.processIdentifier, signal)
        // A signal the process lost (ignored while its handler was being installed) is a failure, not a hang.
        for _ in 0..<400 where process.isRunning { usleep(50_000) }
        #expect(!process.isRunning, "the signal ended the process within 20 s")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == signal)
        #expect(try entries().isEmpty, "no temporary file left")
        try input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!message.contains("crashed"), "\(message)")
    }

    @Test func aPolicyForAFlowNoMigrationChangesIsFlaggedAsATypo() throws {
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--dry-run",
                                              "--policy", "licence_analysis_flo=fail"])
        #expect(result.standardError.contains("warning: --policy licence_analysis_flo=…: no migration in \(Self.migrations) changes a flow named 'licence_analysis_flo'"))
        // A removed flow is no typo, but its flows fail whatever the policy says.
        let removed = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--dry-run",
                                               "--policy", "notification_flow=ignore"])
        #expect(removed.standardError.contains("warning: --policy notification_flow=…: migration 3 removes the flow 'notification_flow'; "
            + "its in-flight flows from before it fail whatever the policy"), "\(removed.standardError)")
        #expect(!removed.standardError.contains("a typo?"))
    }

    /// An empty directory (-m pointing at the wrong place) would report every versioned state as
    /// skew and succeed: it is named.
    @Test func anEmptyMigrationDirectoryIsWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("empty"), withIntermediateDirectories: true)
        let result = try CommandRunner().run(["apply", "-m", directory.path("empty"), "--input", Self.states, "--dry-run"])
        #expect(result.standardError.hasPrefix("warning: \(directory.path("empty")) holds no migrations"), "\(result.standardError)")
    }

    @Test(arguments: [
        (["--policy", "ingest=maybe"], "'maybe' in 'ingest=maybe' is not a strategy: ignore, retry or fail"),
        (["--policy", "retry"], "'retry' is not FLOW=STRATEGY"),
        (["--policy", "=retry"], "'=retry' names no flow before '='"),
        (["--policy", "a_flow=fail,b_flow=fail"], "'a_flow=fail,b_flow' in 'a_flow=fail,b_flow=fail' is not a flow name"),
        (["--output", "-", "--report", "-"], "--output and --report cannot both be standard output."),
        (["--output", "/dev/stderr", "--report", "/dev/fd/2"], "--output and --report cannot both be standard error"),
        (["--dry-run", "--output", "migrated.jsonl"], "--dry-run writes no messages, so --output has nothing to write: drop it"),
        (["--policy", "a=fail", "--policy", "a=retry"], "--policy names flow 'a' twice; give one strategy per flow."),
        (["--policy", "*=fail", "--policy", "*=retry"], "--policy names '*' (every flow) twice; give one strategy per flow."),
        (["--format", "json"], "--format goes with --store, not --input (a stream's per-line report is --report FILE)."),
        (["--batch-size", "10"], "--batch-size goes with --store, not --input."),
        (["--store-timeout", "10"], "--store-timeout goes with --store, not --input."),
    ])
    func badOptionsAreUsageErrors(_ options: [String], _ message: String) throws {
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states] + options)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test func anOutputBehindAFileSaysWhatToCheck() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("notes\n", to: "notes")
        for option in ["--output", "--report"] {
            let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, option, file + "/out.jsonl"])
            #expect(result.status == 1, "a wrong path, as a directory that does not exist is")
            #expect(result.standardError == "error: cannot write \(file)/out.jsonl: Not a directory\n"
                + "  hint: a part of the path is a file, not a directory: check the path\n", "\(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path(".")) == ["notes"])
    }

    @Test func anOutputWhereNoFileCanBeCreatedSaysSo() throws {
        // /proc exists but takes no new file (the output is written next to its place first).
        let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, "--output", "/proc/version"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("error: cannot write /proc/version: cannot create a file in /proc, where it would be written "
            + "first: No such file or directory; write the output elsewhere"), "\(result.standardError)")
    }

    @Test func aFileInTheMigrationDirectoryIsNeverAnOutput() throws {
        // The next apply would refuse the directory (or take the file for an edited migration).
        for option in ["--output", "--report"] {
            let result = try CommandRunner().run(["apply", "-m", Self.migrations, "--input", Self.states, option, Self.migrations + "/1.json"])
            #expect(result.status == 64)
            #expect(result.standardError.contains("\(option) names a file in the migration directory"), "\(result.standardError)")
        }
    }

    @Test func helpTextMatchesItsGolden() throws {
        let result = try CommandRunner().run(["apply", "--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        Snapshot.assertMatches(result.standardOutput, golden: Snapshot.directory().appendingPathComponent("Snapshots/help-apply.txt").path)
    }
}
