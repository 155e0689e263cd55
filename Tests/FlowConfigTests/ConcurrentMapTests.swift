import FlowConfig
import Synchronization
import Testing

struct ConcurrentMapTests {
    /// Results come back in the elements' order whatever order the cores finish in, and every
    /// element is transformed exactly once.
    @Test func keepsOrderAndTransformsEachElementOnce() {
        let calls = Mutex(0)
        let elements = Array(0..<1_000)
        let results = elements.concurrentMap { element -> String in
            calls.withLock { $0 += 1 }
            // Uneven work, so that lanes finish out of order.
            var value = element
            for _ in 0..<(element % 7) * 1_000 { value = (value &* 31) & 0xFFFF }
            return "\(element)"
        }
        #expect(results == elements.map { "\($0)" })
        #expect(calls.withLock { $0 } == elements.count)
    }

    @Test func emptyAndSingleElementArrays() {
        #expect([Int]().concurrentMap { $0 + 1 } == [])
        #expect([41].concurrentMap { $0 + 1 } == [42])
    }
}
