import ArgumentParser
import Dispatch
import FlowMigration
import Foundation
import MigrationGenerator
import Synchronization

/// Where a command writes a stream: standard output for `-`; a regular file appears only when
/// complete — bytes go to a hidden temporary file next to it, which is flushed and renamed on
/// ``commit()``, so an interrupted run leaves the previous file (if any) untouched. A symbolic
/// link is followed: the file it points to is replaced, the link stays. Anything that exists and
/// is not a regular file (a pipe, a device) is written to directly. `/dev/stdout` and its
/// aliases are standard output, and `/dev/stderr` and its aliases standard error, whatever they
/// are redirected to (replacing the file behind them would drop what else goes there: a log that
/// standard error is appended to, say).
final class OutputSink {
    /// Whether `path` names standard output: `-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`.
    static func isStandardOutput(_ path: String) -> Bool {
        ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].contains(path)
    }

    /// Whether `path` names standard error: `/dev/stderr`, `/dev/fd/2`, `/proc/self/fd/2`. (Other
    /// `/dev/fd/N` are opened as paths: this process has descriptors of its own the user's shell
    /// does not know of.)
    static func isStandardError(_ path: String) -> Bool {
        ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"].contains(path)
    }

    private let handle: FileHandle
    /// The file replaced on commit (symbolic links resolved); `nil` when written directly.
    private let path: String?
    private let temporaryPath: String?
    /// The path as the user gave it, for messages.
    let displayPath: String

    init(path: String) throws(OutputSinkError) {
        displayPath = path
        guard !path.isEmpty else { throw OutputSinkError(path: path, reason: "no file name was given ('-' is standard output)", isWrongPath: true) }
        guard !Self.isStandardOutput(path) else {
            if ClosedStandardStreams.output { throw OutputSinkError(path: path, reason: ClosedStandardStreams.outputReason) }
            handle = .standardOutput
            self.path = nil
            temporaryPath = nil
            return
        }
        if Self.isStandardError(path) {
            let descriptor = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
            guard descriptor >= 0 else { throw OutputSinkError(path: path, reason: "standard error is closed") }
            handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            self.path = nil
            temporaryPath = nil
            return
        }
        var status = stat()
        let exists = stat(path, &status) == 0
        if exists && (status.st_mode & S_IFMT) != S_IFREG {
            guard (status.st_mode & S_IFMT) != S_IFDIR else { throw OutputSinkError(path: path, reason: "it is a directory", isWrongPath: true) }
            let descriptor = open(path, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw OutputSinkError(path: path, errno: errno) }
            handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            self.path = nil
            temporaryPath = nil
            return
        }
        if exists && Self.isSQLiteDatabase(path) {
            throw OutputSinkError(path: path, reason: "it is a SQLite database (a store?), which these lines would replace: "
                + "give another path, or remove it first if it is to go")
        }
        let target = try Self.target(of: path)
        let directory = parentDirectory(of: target)
        let name = (target as NSString).lastPathComponent
        LeftoverTemporaryFiles.remove(of: name, in: directory, naming: .processIDAndNumber)
        var descriptor: Int32 = -1
        var code: Int32 = 0
        var temporary = ""
        let stem = LeftoverTemporaryFiles.stem(of: name, naming: .processIDAndNumber)
        repeat {
            // Unique per sink, so two outputs of one process never share a temporary file.
            temporary = (directory.isEmpty ? "" : directory + "/") + ".\(stem).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            (descriptor, code) = InterruptCleanup.createRegistered(temporary)
        } while descriptor < 0 && code == EEXIST
        guard descriptor >= 0 else {
            if code == ENOENT {
                var directoryStatus = stat()
                let shown = directory.isEmpty ? "." : directory
                // /proc and its kind exist but take no new files.
                let directoryExists = stat(shown, &directoryStatus) == 0
                throw OutputSinkError(path: path, reason: directoryExists
                    ? "cannot create a file in \(shown), where it would be written first: \(String(cString: strerror(code))); write the output elsewhere"
                    : "the directory \(shown) does not exist", isWrongPath: !directoryExists)
            }
            if code == ENOTDIR {
                // A file where a directory of the path should be: the path is wrong, as a missing directory is.
                var error = OutputSinkError(path: path, errno: code)
                error.isWrongPath = true
                throw error
            }
            if code == EACCES || code == EPERM {
                // The file may be writable: what must be is its directory, where the whole output goes first.
                let shown = directory.isEmpty ? "." : directory
                throw OutputSinkError(path: path, reason: "cannot create a file in \(shown), where the output is written first and then "
                    + "renamed over \((target as NSString).lastPathComponent) (so that it appears whole or not at all): "
                    + "\(String(cString: strerror(code))); let this user write \(shown), or write the output elsewhere")
            }
            throw OutputSinkError(path: path, errno: code)
        }
        // A replaced file keeps its owner (when this user may give it: root may, others only their
        // own groups) and then its permissions (a change of owner may clear set-id bits).
        if exists {
            _ = fchown(descriptor, status.st_uid, status.st_gid)
            fchmod(descriptor, status.st_mode & 0o7777)
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        self.path = target
        temporaryPath = temporary
    }

    /// Whether the file at `path` starts as every SQLite database does.
    private static func isSQLiteDatabase(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 16)) == Data("SQLite format 3\u{0}".utf8)
    }

    /// The file that writing to `path` replaces: an existing file's real path, or — for a
    /// symbolic link to a file not there yet — where the links lead (at most 40), relative
    /// targets taken from the link's directory.
    private static func target(of path: String) throws(OutputSinkError) -> String {
        if let real = resolvedPath(path) { return real }
        var current = path
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            current = destination.hasPrefix("/") ? destination
                : (parentDirectory(of: current) as NSString).appendingPathComponent(destination)
        }
        throw OutputSinkError(path: path, reason: "too many levels of symbolic links")
    }

    /// The regular file a path replaces, for telling two outputs apart; `nil` for `-` and for
    /// what is written directly (a terminal, a pipe), where two outputs simply interleave.
    static func replacedFile(of path: String) -> String? {
        guard !isStandardOutput(path), !isStandardError(path), let target = try? target(of: path) else { return nil }
        var status = stat()
        if stat(target, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG { return nil }
        return physicalPath(target)
    }

    /// Whether writing to `output` would replace the regular file that open `descriptor` is:
    /// standard input's (`--input -` redirected from it: the flows would be lost), or standard
    /// output's (`--report F > F`: what goes to standard output would land in the replaced file,
    /// which no name leads to then).
    static func wouldReplaceFile(of descriptor: Int32, writingTo output: String) -> Bool {
        var open = stat(), target = stat()
        guard fstat(descriptor, &open) == 0, (open.st_mode & S_IFMT) == S_IFREG,
              let replaced = replacedFile(of: output), stat(replaced, &target) == 0 else { return false }
        return open.st_dev == target.st_dev && open.st_ino == target.st_ino
    }

    /// Whether standard output (or another open `descriptor`: standard error) is a regular file
    /// that `input` also reads (`-`: standard input's file): `apply --input F >> F` would read its
    /// own output back, growing F until the disk is full, and `> F` has emptied F before the
    /// command starts.
    static func standardOutputIsFile(readBy input: String, descriptor: Int32 = STDOUT_FILENO) -> Bool {
        var output = stat(), read = stat()
        guard fstat(descriptor, &output) == 0, (output.st_mode & S_IFMT) == S_IFREG else { return false }
        let found = input == "-" ? fstat(STDIN_FILENO, &read) : stat(input, &read)
        return found == 0 && output.st_dev == read.st_dev && output.st_ino == read.st_ino
    }

    /// Whether writing to `output` would replace the file at `path` — the same path, or a
    /// symbolic or hard link to it.
    static func wouldReplace(_ path: String, writingTo output: String) -> Bool {
        guard let replaced = replacedFile(of: output) else { return false }
        var outputStatus = stat(), fileStatus = stat()
        if stat(replaced, &outputStatus) == 0 && stat(path, &fileStatus) == 0 {
            return outputStatus.st_dev == fileStatus.st_dev && outputStatus.st_ino == fileStatus.st_ino
        }
        return replaced == replacedFile(of: path)
    }

    /// Whether writing to `output` would put a file in `directory` (symbolic links resolved).
    static func wouldWrite(into directory: String, writingTo output: String) -> Bool {
        guard let replaced = replacedFile(of: output) else { return false }
        return parentDirectory(of: replaced) == physicalPath(directory)
    }

    /// What an interrupt leaves of these outputs, to be said when it comes
    /// (``InterruptCleanup/say(onInterrupt:ignoringClosedPipes:)``): a file is not written at
    /// all; standard output, a pipe or a device got what was written before it.
    static func interruptNote(_ sinks: [OutputSink]) -> String {
        let files = sinks.filter { !$0.writesDirectly }.map(\.displayPath)
        let direct = sinks.filter(\.writesDirectly).map { isStandardOutput($0.displayPath) ? "standard output" : $0.displayPath }
        var parts: [String] = []
        if !files.isEmpty { parts.append("nothing was written to \(files.joined(separator: " and ")) (files are written whole or not at all)") }
        if !direct.isEmpty {
            parts.append("\(direct.joined(separator: " and ")) got only what was written before it, its last line perhaps cut short: "
                + "run the command again for the whole result")
        }
        return "interrupted: " + parts.joined(separator: "; ")
    }

    /// What a command that stopped part way had already sent out, for its error message: files
    /// are discarded whole, but standard output, a pipe or a device keep what they got — `whole`
    /// lines for sure, and a write that failed may have sent part of its next `partly` lines
    /// (the pipe took what it could).
    static func whatWentOut(_ sinks: [OutputSink], whole: Int, partly: Int) -> String {
        let direct = sinks.filter(\.writesDirectly)
            .map { isStandardOutput($0.displayPath) ? "standard output" : $0.displayPath }.joined(separator: " and ")
        return direct.isEmpty || whole + partly == 0 ? "nothing was written"
            : partly == 0 ? "lines 1–\(whole) went to \(direct) already, nothing after them"
            : whole == 0 ? "some of lines 1–\(partly) may have gone to \(direct)"
            : "lines 1–\(whole) went to \(direct) already, and some of lines \(whole + 1)–\(whole + partly) may have"
    }

    /// Whether written bytes go out at once (standard output, a pipe, a device) rather than to a
    /// temporary file that only `commit` puts in place: what `discard` cannot take back.
    var writesDirectly: Bool { temporaryPath == nil }

    func write(_ bytes: [UInt8]) throws(OutputSinkError) {
        guard !bytes.isEmpty else { return }
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            InterruptCleanup.endIfClosedPipe(error)
            throw OutputSinkError(path: displayPath, failure: error)
        }
    }

    /// Makes the file visible under its name (standard output: nothing to do).
    func commit() throws(OutputSinkError) {
        guard let path, let temporaryPath else { return }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            discard()
            throw OutputSinkError(path: displayPath, failure: error)
        }
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            discard()
            throw OutputSinkError(path: displayPath, errno: code)
        }
        InterruptCleanup.unregister(temporaryPath)
    }

    /// Writes `bytes` as the whole of `path` (a file appears only complete); on failure nothing
    /// is left behind.
    static func write(_ bytes: [UInt8], to path: String) throws(OutputSinkError) {
        let sink = try OutputSink(path: path)
        do {
            try sink.write(bytes)
            try sink.commit()
        } catch {
            sink.discard()
            throw error
        }
    }

    /// Removes the unfinished file.
    func discard() {
        guard let temporaryPath else { return }
        try? handle.close()
        unlink(temporaryPath)
        InterruptCleanup.unregister(temporaryPath)
    }

    /// The system's words for a failed read or write (`No space left on device`).
    static func reason(_ error: any Error) -> String {
        FileSystemReason.describe(error)
    }
}

/// A file a command could not write, with the reason in words and, when the system's error
/// suggests one, what to do.
struct OutputSinkError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var hint: String?
    /// The path can take no file — its directory is missing, or it is a directory: the user's
    /// mistake (exit 1), not a failed write (exit 2).
    var isWrongPath = false

    init(path: String, reason: String, hint: String? = nil, isWrongPath: Bool = false) {
        self.path = path
        self.reason = reason
        self.hint = hint
        self.isWrongPath = isWrongPath
    }

    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)), hint: FileSystemReason.writeHint(for: code))
    }

    /// A failed write or flush: the reason and the hint Foundation's error carries.
    init(path: String, failure: any Error) {
        self.init(path: path, reason: FileSystemReason.describe(failure),
                  hint: FileSystemReason.code(of: failure).flatMap(FileSystemReason.writeHint(for:)))
    }

    var description: String { "cannot write \(path == "-" ? "to standard output" : path): \(reason)" }

    /// The hint as the line that follows the error (with its newline first), or nothing.
    var hintLine: String { hint.map { "\n  hint: \($0)" } ?? "" }

    /// The hint line of `error` when it is an output's error, else nothing.
    static func hintLine(of error: any Error) -> String { (error as? OutputSinkError)?.hintLine ?? "" }

    /// The exit status for a failed output: 1 for a path that can take no file (also an
    /// `--output-dir` that is a file), 2 for anything else (the write failed).
    static func exitStatus(of error: any Error) -> ExitCode {
        (error as? OutputSinkError)?.isWrongPath == true || error is OutputDirectoryError ? ExitStatus.inputFailed : ExitStatus.toolFailed
    }
}

/// Removes the temporary files of unfinished outputs when the process is interrupted (SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT), says what a command asked to be said then, and dies of the signal
/// as it would have. Installed with the first file,
/// which also turns a closed pipe (SIGPIPE, `| head`) into a write error, so that the command
/// removes its temporary files on the way out instead of dying with them.
enum InterruptCleanup {
    private struct State {
        var paths: Set<String> = []
        var sources: [DispatchSourceSignal] = []
        /// Said on standard error when a signal ends the process (what stays done, how to go on).
        var note: String?
        /// A closed pipe ends the process, as it ends any filter (``endIfClosedPipe(_:)``).
        var closedPipeEndsProcess = false
    }

    /// Has `note` said when a signal ends the process — a command whose work is committed in
    /// steps (batches of a store) says what stays done and how to go on, instead of ending silently.
    /// `ignoringClosedPipes`: a closed pipe is a write error rather than the end of the process —
    /// right for a store's command, which goes on when standard error's reader has gone; a filter
    /// writing standard output (`apply --input … | head`) passes `false` and dies of it quietly.
    static func say(onInterrupt note: String, ignoringClosedPipes: Bool = true) {
        state.withLock { state in
            installHandlers(&state)
            if ignoringClosedPipes { signal(SIGPIPE, SIG_IGN) } else { state.closedPipeEndsProcess = true }
            // After the terminal's "^C", on a line of its own.
            state.note = (isatty(STDERR_FILENO) == 1 ? "\n" : "") + note + "\n"
        }
    }

    private static let state = Mutex(State())

    /// Where the signals' handlers run: a queue of its own (a serial queue gets a thread of its
    /// own) — on the shared pool a handler could wait behind work blocked in a read: apply
    /// reading a pipe that stays open ignored Ctrl-C while its only worker thread waited for input.
    private static let signalQueue = DispatchQueue(label: "selinon-migrate.signals")

    /// Creates the new file `path` (exclusively, for writing) and registers it in one step:
    /// the signal handlers are in place before the file exists, and a signal that arrives
    /// meanwhile waits for the registration, so no file is ever created but not removed.
    /// - Returns: the descriptor (-1 on failure) and `errno` of the `open`.
    static func createRegistered(_ path: String) -> (descriptor: Int32, errno: Int32) {
        state.withLock { state in
            installHandlers(&state)
            signal(SIGPIPE, SIG_IGN)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            let code = errno
            if descriptor >= 0 { state.paths.insert(path) }
            return (descriptor, code)
        }
    }

    private static func installHandlers(_ state: inout State) {
        guard state.sources.isEmpty else { return }
        // A signal the caller had ignored stays ignored, as a command run with `nohup`, or in the
        // background of a script (whose Ctrl-C the shell keeps from it), expects.
        let numbers = [SIGINT, SIGTERM, SIGHUP, SIGQUIT].filter { !isIgnored($0) }
        for number in numbers {
            // (Not ignored first: libdispatch installs its own handler when the manager thread
            // registers the source, after `resume()`; a signal ignored meanwhile was lost — the
            // process went on as if never told to stop.)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
            source.setEventHandler {
                // Under the lock until the signal has ended the process: no file is created
                // after the removal (the wait is bounded, should the process survive it).
                Self.state.withLock { state in
                    for path in state.paths { unlink(path) }
                    if let note = state.note { Terminal.writeMessage(note) }
                    state.note = nil  // said once, should a second signal come before the end
                    signal(number, SIG_DFL)
                    // To this thread, unblocked for it (dispatch's threads block signals): the
                    // process ends here, before this thread returns to the work.
                    var signals = sigset_t()
                    sigemptyset(&signals)
                    sigaddset(&signals, number)
                    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
                    raise(number)
                    kill(getpid(), number)
                    for _ in 0..<100 { usleep(10_000) }
                }
            }
            source.resume()
            state.sources.append(source)
        }
        // Until libdispatch's handlers are in place a signal has its default action — it ends the
        // process before this returns and any file is registered, so nothing is left behind.
        let deadline = Date().addingTimeInterval(2)
        while !numbers.allSatisfy(hasHandler), Date() < deadline { usleep(1_000) }
    }

    /// The signal's handler as an address: 0 for the default action (or when it cannot be read),
    /// `SIG_IGN`'s for ignoring it, else a handler's (libdispatch's, forwarding it to its sources).
    private static func handlerAddress(_ number: Int32) -> Int {
        var action = sigaction()
        guard sigaction(number, nil, &action) == 0, let handler = action.__sigaction_handler.sa_handler else { return 0 }
        return unsafeBitCast(handler, to: Int.self)
    }

    /// Whether the signal's action is to ignore it (as the process was started, when no handler
    /// was installed yet).
    private static func isIgnored(_ number: Int32) -> Bool {
        handlerAddress(number) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Whether a handler is installed for the signal, rather than the default action or none.
    private static func hasHandler(_ number: Int32) -> Bool {
        let address = handlerAddress(number)
        return address != 0 && address != unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Runs `body` with this process's signal handling held off: a signal that arrives meanwhile
    /// ends the process once `body` has returned, so that work which must not be left half done
    /// (a file written and listed, a directory built and swapped in) is never parted by the
    /// cleanup; `body` should take moments, not minutes. When it returns, `note(result)` is what
    /// a signal from then on says (what is done by then); when it throws, the note stays. (SIGKILL
    /// still parts the work: the next command mends that.)
    static func holdingSignals<T: Sendable, E: Error>(_ body: () throws(E) -> T, thenSaying note: (T) -> String) throws(E) -> T {
        // A signal that came meanwhile has its handler queued, waiting for the lock: it ends the
        // process before this returns — else the caller could go on to its normal end first,
        // as if never told to stop.
        defer { signalQueue.sync {} }
        return try state.withLock { state throws(E) in
            installHandlers(&state)
            let result = try body()
            state.note = (isatty(STDERR_FILENO) == 1 ? "\n" : "") + note(result) + "\n"
            return result
        }
    }

    static func unregister(_ path: String) {
        _ = state.withLock { $0.paths.remove(path) }
    }

    /// For a filter (``say(onInterrupt:ignoringClosedPipes:)`` with `false`) whose write failed
    /// because the pipe's reader has gone (`| head`): removes the unfinished files and ends the
    /// process of SIGPIPE, as a write would have ended it had no temporary file made the
    /// process ignore that signal — the same quiet end, whatever else the command writes.
    static func endIfClosedPipe(_ error: any Error) {
        guard FileSystemReason.code(of: error) == EPIPE, state.withLock({ $0.closedPipeEndsProcess }) else { return }
        removeAll()
        signal(SIGPIPE, SIG_DFL)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)  // dispatch's threads block signals
        raise(SIGPIPE)
    }

    /// Removes every unfinished output's temporary file (before an early exit).
    static func removeAll() {
        for path in state.withLock({ $0.paths }) { unlink(path) }
    }
}

