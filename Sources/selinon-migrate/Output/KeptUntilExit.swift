import Synchronization

/// Values a command keeps until the process exits instead of freeing them.
///
/// A configuration of tens of thousands of edges is hundreds of thousands of small allocations;
/// freeing them one by one when a command returns takes longer than the operating system needs
/// to reclaim the whole address space at exit. Commands that are about to end hand such values
/// here. Swift does not destroy globals at exit, so nothing is freed twice or too early.
enum KeptUntilExit {
    private static let values = Mutex<[any Sendable]>([])

    static func keep(_ value: any Sendable) {
        values.withLock { $0.append(value) }
    }
}
