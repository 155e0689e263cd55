import ArgumentParser
import Foundation

/// Opens and reads input files (outcomes files, message streams) with the system's reason when
/// it cannot: "No such file or directory", "Permission denied", "Is a directory".
enum InputFile {
    /// Why an input file could not be opened or read.
    struct Failure: Error {
        /// The system's words.
        var reason: String
        /// The path names no file to read — nothing is there, or a directory is: the user's
        /// mistake (exit 1) rather than the tool's (exit 2).
        var isWrongPath = false

        /// The exit status for the failure: 1 for a wrong path, 2 for a file that cannot be read.
        var exitStatus: ExitCode { isWrongPath ? ExitStatus.inputFailed : ExitStatus.toolFailed }

        /// A hint line (with its line break) for an input that `option` names: check a wrong
        /// path, or read the file as a user who may.
        func hintLine(option: String, reads what: String) -> String {
            isWrongPath ? "\n  hint: \(option) names \(what) ('-' reads standard input); check the path"
                : "\n  hint: run as a user who may read it"
        }
    }

    /// A descriptor open for reading `path`, which must not be a directory; the caller closes it.
    static func open(_ path: String) throws(Failure) -> Int32 {
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw Failure(reason: String(cString: strerror(code)), isWrongPath: code == ENOENT || code == ENOTDIR || code == EISDIR)
        }
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw Failure(reason: String(cString: strerror(EISDIR)), isWrongPath: true)
        }
        return descriptor
    }

    /// The whole file (a small one, such as an outcomes file); `-` is standard input.
    static func read(_ path: String) throws(Failure) -> [UInt8] {
        if ClosedStandardStreams.isClosedInput(path) { throw Failure(reason: ClosedStandardStreams.inputReason, isWrongPath: true) }
        let descriptor = path == "-" ? dup(STDIN_FILENO) : try open(path)
        guard descriptor >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(reason: String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
