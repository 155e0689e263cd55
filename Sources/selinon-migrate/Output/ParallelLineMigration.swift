import FlowMigration
import Foundation

/// Migrates the lines of a JSON-lines stream on every core: a chunk of lines is split into one
/// contiguous share per worker, the shares are migrated concurrently, and the results come back
/// in input order — the output is byte for byte what one thread would write.
struct ParallelLineMigration: Sendable {
    /// What one share of a chunk produced.
    struct Share: Sendable {
        /// The migrated lines, each followed by a newline.
        var output: [UInt8] = []
        /// The report lines (when reports are wanted), each followed by a newline.
        var reports: [UInt8] = []
        /// The outcome of each message line, in order (blank lines have none).
        var results: [LineReport] = []
        /// The input line number of each of `results`.
        var lineNumbers: [Int] = []
    }

    let migrator: StreamMigrator
    let workers: Int
    let writesReports: Bool

    /// At most this many workers: beyond it, memory per chunk grows faster than throughput
    /// (reading and writing the stream stay on one thread).
    static let maximumWorkers = 8

    init(migrator: StreamMigrator, writesReports: Bool, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.migrator = migrator
        self.writesReports = writesReports
        self.workers = min(max(1, workers), Self.maximumWorkers)
    }

    /// How many lines to read before migrating them: enough to keep every worker busy, small
    /// enough to keep memory flat (about 1 MB per worker for Selinon-sized messages).
    var chunkSize: Int { 1_024 * workers }

    /// How many bytes of lines to read at most before migrating them (a line that starts below
    /// it is taken whole): large messages — a fan-out flow's state of thousands of edges, 150 KB
    /// each — would otherwise hold a thousand lines per worker, hundreds of megabytes.
    var chunkBytes: Int { (4 << 20) * workers }

    /// Migrates `lines`, the first of which is line `firstLineNumber` of the input; returns the
    /// shares in input order.
    func migrate(_ lines: [[UInt8]], firstLineNumber: Int) async -> [Share] {
        let shareSize = (lines.count + workers - 1) / workers
        guard workers > 1, lines.count > 1 else {
            return [migrateShare(lines[...], firstLineNumber: firstLineNumber)]
        }
        return await withTaskGroup(of: (Int, Share).self) { group in
            for (position, start) in stride(from: 0, to: lines.count, by: shareSize).enumerated() {
                let share = lines[start..<min(start + shareSize, lines.count)]
                group.addTask { (position, migrateShare(share, firstLineNumber: firstLineNumber + start)) }
            }
            var shares: [(Int, Share)] = []
            for await share in group { shares.append(share) }
            return shares.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func migrateShare(_ lines: ArraySlice<[UInt8]>, firstLineNumber: Int) -> Share {
        var share = Share()
        share.output.reserveCapacity(lines.reduce(0) { $0 + $1.count + 16 })
        share.results.reserveCapacity(lines.count)
        for (offset, line) in lines.enumerated() {
            // An empty line holds no message: copied, as import skips it.
            if line.isBlankLine {
                share.output += line
                share.output.append(UInt8(ascii: "\n"))
                continue
            }
            let result = line.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &share.output) }
            share.output.append(UInt8(ascii: "\n"))
            if writesReports {
                share.reports += JSONWriter.compact(result.jsonValue(line: firstLineNumber + offset))
                share.reports.append(UInt8(ascii: "\n"))
            }
            share.results.append(result)
            share.lineNumbers.append(firstLineNumber + offset)
        }
        return share
    }
}
