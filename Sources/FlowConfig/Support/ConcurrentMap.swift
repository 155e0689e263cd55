import Foundation

extension Array where Element: Sendable {
    /// `map` on every core: `transform` runs concurrently on the elements, the results come back
    /// in the elements' order. For independent, CPU-bound work on many elements (the flows of a
    /// configuration). The calling thread takes part and returns when every element is done;
    /// arrays of one element are mapped on it alone.
    package func concurrentMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        guard count > 1 else { return map(transform) }
        let results = UnsafeMutableBufferPointer<Result?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        // Each index is written by exactly one iteration, and read only after all finished.
        nonisolated(unsafe) let slots = results
        // Interleaved indices keep the cores equally busy when element costs grow along the array.
        let lanes = Swift.min(count, 4 * ProcessInfo.processInfo.activeProcessorCount)
        withoutActuallyEscaping(transform) { transform in
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for index in stride(from: lane, to: count, by: lanes) {
                    slots[index] = transform(self[index])
                }
            }
        }
        return results.map { $0! }
    }
}
