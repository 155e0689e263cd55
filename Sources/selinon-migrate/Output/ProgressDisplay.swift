import Foundation
import Synchronization

/// Shows how far a long job is on standard error: a redrawn bar with rate and ETA on a
/// terminal, a plain line every few seconds otherwise (logs, CI, and a terminal of `TERM=dumb`,
/// which cannot redraw a line), nothing when quiet — or when the command's own output goes to
/// the same screen or stream, where the bar would land between its lines (as curl hides its
/// meter when the download goes to the terminal).
final class ProgressDisplay: Sendable {
    private struct State {
        var lastDraw: Double
        var drewBar = false
        var wroteLine = false
        var done = 0
        var total: Int?
        var detail: String?
    }

    private let unit: String
    private let isTerminal: Bool
    private let isQuiet: Bool
    private let start = Date().timeIntervalSinceReferenceDate
    /// Seconds between plain lines when standard error is not a terminal.
    private let lineInterval: Double
    /// Whether ``finish(stopped:changedElsewhere:)`` writes its totals line also when no line
    /// was written before (a job that ended within the first interval).
    private let alwaysSummarize: Bool
    private let state: Mutex<State>

    /// `outputs`: where the command writes what it makes while the display runs (paths as
    /// ``OutputSink`` takes them); standard output on a terminal, or standard error, silences it.
    init(unit: String, quiet: Bool, lineInterval: Double = 5, alwaysSummarize: Bool = true, besideOutputs outputs: [String] = []) {
        self.unit = unit
        isQuiet = quiet || outputs.contains { OutputSink.isStandardError($0) || (OutputSink.isStandardOutput($0) && isatty(STDOUT_FILENO) == 1) }
        isTerminal = isatty(FileHandle.standardError.fileDescriptor) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        self.lineInterval = lineInterval
        self.alwaysSummarize = alwaysSummarize
        state = Mutex(State(lastDraw: start))
    }

    /// Reports `done` of `total` (nil: not known, or not yet); `detail`, said in parentheses
    /// while there is no total ("still counting the total", "2/5 flows done").
    func update(done: Int, total: Int?, detail: String? = nil) {
        guard !isQuiet else { return }
        let now = Date().timeIntervalSinceReferenceDate
        let text: String? = state.withLock { state in
            (state.done, state.total, state.detail) = (done, total, detail)
            let interval = isTerminal ? 0.1 : lineInterval
            guard now - state.lastDraw >= interval || (done == total && isTerminal) else { return nil }
            state.lastDraw = now
            state.drewBar = isTerminal
            state.wroteLine = !isTerminal
            return isTerminal ? "\r\u{1B}[K" + bar(done: done, total: total, detail: detail, now: now)
                : line(done: done, total: total, detail: detail, now: now) + "\n"
        }
        if let text { Terminal.writeMessage(text) }
    }

    /// Clears the bar on a terminal; elsewhere writes a last line with the totals, ending
    /// "— done", or "— stopped" when the work ended with an error (none when the total was 0
    /// and the work ended: the command's report says there was nothing to do). `changedElsewhere`: how many
    /// of the counted items another process took meanwhile (another `apply` on the same store),
    /// said on the line, which would otherwise read "43% … — done".
    func finish(stopped: Bool = false, changedElsewhere: Int = 0) {
        guard !isQuiet else { return }
        let now = Date().timeIntervalSinceReferenceDate
        let text = state.withLock { state in
            if isTerminal { return state.drewBar ? "\r\u{1B}[K" : "" }
            if !alwaysSummarize && !state.wroteLine { return "" }
            // Nothing was there to do ("100% 0/0 flows" would say nothing): the report says so.
            if !stopped && state.total == 0 && state.done == 0 { return "" }
            if !stopped && changedElsewhere > 0 {
                // The total counted the flows another process took: "22% … — done" would read as work left undone.
                // (Those it read before the other process took them are among the other process's, not this one's.)
                let own = state.total.map { max(0, $0 - changedElsewhere) } ?? state.done
                return "\(own) \(unit), \(Int(rate(done: state.done, now: now).rounded())) \(unit)/s — done (the other \(changedElsewhere) \(unit) were changed by another "
                    + "process meanwhile)\n"
            }
            return line(done: state.done, total: state.total, detail: state.detail, now: now, estimating: false)
                + (stopped ? " — stopped" : " — done") + "\n"
        }
        if !text.isEmpty { Terminal.writeMessage(text) }
    }

    private func bar(done: Int, total: Int?, detail: String?, now: Double) -> String {
        guard let total else { return line(done: done, total: nil, detail: detail, now: now) }
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        return "[\(bar)] " + line(done: done, total: total, now: now)
    }

    /// `done` of `total` with the rate, and (`estimating`, while the work goes on) the time left.
    private func line(done: Int, total: Int?, detail: String? = nil, now: Double, estimating: Bool = true) -> String {
        let perSecond = rate(done: done, now: now)
        guard let total else { return "\(done) \(unit), \(Int(perSecond.rounded())) \(unit)/s" + (detail.map { " (\($0))" } ?? "") }
        let percent = total > 0 ? min(100, done * 100 / total) : 100
        var text = "\(percent)% \(done)/\(total) \(unit), \(Int(perSecond.rounded())) \(unit)/s"
        if estimating, perSecond > 0, done < total {
            text += ", ETA \(Self.duration(Double(total - done) / perSecond))"
        }
        return text
    }

    /// Items per second since the display started.
    private func rate(done: Int, now: Double) -> Double {
        Double(done) / max(now - start, 0.001)
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", whole / 60 % 60))m"
    }
}
